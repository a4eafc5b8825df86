"""Request ids, one structured log line per RPC (``logs.rpc_log``), the RPC metrics
(``metrics``) and, when tracing is on, the RPC's span (``tracing``): a child of the trace
context the caller sent (``traceparent`` metadata; Envoy passes the HTTP header on), current
for every inner interceptor and the handler, ended with the final code. Never logs or traces
metadata values or bodies."""

from __future__ import annotations

import functools
import ipaddress
import re
import time

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace

from privexbot import metrics, tracing
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
    __slots__ = ("spec", "context", "client_ip", "call", "token", "started", "span", "attached")

    def __init__(self, spec, context, client_ip: ClientAddresses) -> None:
        self.spec, self.context, self.client_ip = spec, context, client_ip
        self.span = None

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
        if tracing.on:
            self.span = tracing.tracer.start_span(
                self.spec.path[1:],
                context=tracing.extract(metadata),
                kind=trace.SpanKind.SERVER,
                attributes={
                    "rpc.system": "grpc",
                    "rpc.service": self.spec.service,
                    "rpc.method": self.spec.name,
                    "privexbot.request_id": request_id,
                },
            )
            self.attached = otel_context.attach(trace.set_span_in_context(self.span))
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
        in_its_context = end(self.token)
        if self.span is not None:
            _end_span(self.span, call)
            if in_its_context:  # elsewhere the span's context is not attached: nothing to undo
                otel_context.detach(self.attached)
        return False


# grpc's server errors (OpenTelemetry's gRPC conventions); other codes are the caller's.
_SERVER_ERRORS = frozenset(
    {"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"}
)


def _end_span(span, call) -> None:
    """The RPC's span ended with its code and tenant ids (ids only: never content)."""
    span.set_attribute("rpc.grpc.status_code", grpc.StatusCode[call.code].value[0])
    if call.scope is not None:
        span.set_attribute("privexbot.organization_id", call.scope.organization_id)
        if call.scope.workspace_id:
            span.set_attribute("privexbot.workspace_id", call.scope.workspace_id)
    if call.authz:
        span.set_attribute("privexbot.authz", call.authz)
    if call.code in _SERVER_ERRORS:
        span.set_status(trace.StatusCode.ERROR, call.code)
    span.end()


class LoggingInterceptor(Interceptor):
    def __init__(self, trusted_proxies: tuple = ()) -> None:
        self._client_ip = ClientAddresses(trusted_proxies)

    def around(self, spec, request, context) -> Guard:
        return _Logged(spec, context, self._client_ip)
