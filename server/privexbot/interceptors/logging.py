"""Request ids, one structured log line per RPC (``logs.rpc_log``) and the RPC metrics
(``metrics``). Never logs metadata values or bodies."""

from __future__ import annotations

import functools
import ipaddress
import re
import time

from privexbot import metrics
from privexbot.interceptors.base import Guard, Interceptor
from privexbot.kernel.calls import Call, begin, end
from privexbot.kernel.ids import new_id
from privexbot.logs import rpc_log

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class ClientAddresses:
    """The caller's address: the peer's, or — when the peer is a trusted proxy (Envoy) — the
    last address that proxy appended to X-Forwarded-For (earlier entries are the client's
    own claims and can be forged)."""

    def __init__(self, trusted_proxies: tuple) -> None:
        self._trusted = trusted_proxies

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - peers repeat; one instance per server
    def _is_proxy(self, host: str) -> bool:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address in network for network in self._trusted)

    def __call__(self, peer: str, forwarded_for: str) -> str:
        host = peer.partition(":")[2].rpartition(":")[0].strip("[]") if peer else ""
        if forwarded_for and self._is_proxy(host):
            return forwarded_for.split(",")[-1].strip()[:64]
        return host[:64]


class _Logged(Guard):
    __slots__ = ("spec", "context", "client_ip", "call", "token", "started")

    def __init__(self, spec, context, client_ip: ClientAddresses) -> None:
        self.spec, self.context, self.client_ip = spec, context, client_ip

    async def __aenter__(self):
        self.started = time.perf_counter()
        metadata = dict(self.context.invocation_metadata() or ())
        request_id = metadata.get("x-request-id", "")
        if not _REQUEST_ID.fullmatch(request_id):
            request_id = new_id()
        self.call = Call(
            method=self.spec,
            request_id=request_id,
            client_ip=self.client_ip(self.context.peer(), metadata.get("x-forwarded-for", "")),
            metadata=metadata,
        )
        self.token = begin(self.call)
        if self.spec.server_streaming:
            metrics.STREAMS.labels(self.spec.path).inc()
        return self

    async def __aexit__(self, exc_type, exc, tb):
        call = self.call
        if exc_type is not None and call.code == "OK":
            if issubclass(exc_type, Exception):
                call.code = "UNKNOWN"
            else:  # cancelled by grpc: the client went away, or its deadline passed
                remaining = self.context.time_remaining()
                call.code = (
                    "DEADLINE_EXCEEDED" if remaining is not None and remaining <= 0 else "CANCELLED"
                )
        seconds = time.perf_counter() - self.started
        metrics.RPCS.labels(self.spec.path, call.code).inc()
        metrics.RPC_SECONDS.labels(self.spec.path).observe(seconds)
        if self.spec.server_streaming:
            metrics.STREAMS.labels(self.spec.path).dec()
        if rpc_log.enabled():
            rpc_log.write(
                {
                    "method": self.spec.path,
                    "code": call.code,
                    "authz": call.authz,
                    "duration_ms": round(seconds * 1000, 3),
                    "request_id": call.request_id,
                    "principal": call.principal.resource_name,
                    "client_ip": call.client_ip,
                }
            )
        end(self.token)
        return False


class LoggingInterceptor(Interceptor):
    def __init__(self, trusted_proxies: tuple = ()) -> None:
        self._client_ip = ClientAddresses(trusted_proxies)

    def around(self, spec, request, context) -> Guard:
        return _Logged(spec, context, self._client_ip)
