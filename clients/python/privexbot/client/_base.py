"""The part of a client that the blocking and the asyncio one share: the configuration,
the channel and its six services, turning a method's arguments into a call (request,
deadline, metadata) and deciding what a failure leads to."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import grpc

from privexbot.client._rpc import Kind, Rpc
from privexbot.client._services import (
    AuthService,
    BotService,
    FlowService,
    InferenceService,
    KnowledgeService,
    TenantService,
)
from privexbot.client.credentials import AccessToken, Credentials, channel_credentials
from privexbot.client.errors import error_details
from privexbot.client.policy import NO_RETRY, STREAM_TIMEOUT_SECONDS, UNARY_TIMEOUT_SECONDS, Retry
from privexbot.v1 import auth_pb2

CALL_OPTIONS = frozenset({"timeout", "metadata", "retry"})


@dataclass
class Call:
    """One call's request, deadline (monotonic), metadata and retry policy."""

    request: Any
    deadline: float
    metadata: tuple[tuple[str, str], ...]
    retry: Retry
    reauthenticated: bool = False  # tried again after TOKEN_EXPIRED
    renewal: bool = False  # the client's own RefreshToken: sent without a refresh first

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def page(self, token: str, timeout: float) -> Call:
        """The same call for the page at ``token``, with a deadline of its own."""
        request = type(self.request)()
        request.CopyFrom(self.request)
        request.page_token = token
        return replace(self, request=request, deadline=time.monotonic() + timeout)


class BaseClient:
    """A client of the PrivexBot API at ``target`` (``host:port`` of the gRPC server, or of
    Envoy). ``credentials``: an ``AccessToken`` or ``ApiKey``, replaceable at any time.
    ``tls``: channel credentials (default: local for loopback targets, else TLS).
    ``timeouts``: seconds per RPC name (e.g. ``{"StreamChatCompletion": 120}``) instead of
    the defaults (``policy``). ``retry``: the retry policy. ``metadata``: headers for
    every call."""

    def __init__(
        self,
        target: str,
        credentials: Credentials | None = None,
        *,
        tls: grpc.ChannelCredentials | None = None,
        timeouts: Mapping[str, float] | None = None,
        retry: Retry | None = None,
        metadata: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.target, self.credentials = target, credentials
        self.timeouts, self.retry = dict(timeouts or {}), retry or Retry()
        self.metadata = tuple(metadata)
        self._refreshing = self._Lock()
        self.channel = self._open(target, channel_credentials(self, target, tls))
        self.auth = AuthService(self, self.channel)
        self.tenant = TenantService(self, self.channel)
        self.bot = BotService(self, self.channel)
        self.flow = FlowService(self, self.channel)
        self.knowledge = KnowledgeService(self, self.channel)
        self.inference = InferenceService(self, self.channel)

    _Lock: type  # serialises refreshes: each one rotates the refresh token

    def _open(self, target: str, credentials: grpc.ChannelCredentials):
        raise NotImplementedError

    def _invoke(self, method, name: str, rpc: Rpc, request: Any, arguments: dict) -> Any:
        raise NotImplementedError

    def _plan(self, name: str, rpc: Rpc, request: Any, arguments: dict) -> tuple[Call, float]:
        """The call, and its timeout (a List call's next pages get one each)."""
        options = {key: arguments.pop(key) for key in CALL_OPTIONS & arguments.keys()}
        streams = rpc.kind in (Kind.SERVER_STREAM, Kind.CLIENT_STREAM)
        timeout = options.get("timeout") or self.timeouts.get(
            name, STREAM_TIMEOUT_SECONDS if streams else UNARY_TIMEOUT_SECONDS
        )
        retry = options.get("retry", self.retry) or NO_RETRY
        call = Call(
            rpc.build(request, arguments),
            time.monotonic() + timeout,
            (*self.metadata, *options.get("metadata", ())),
            NO_RETRY if rpc.kind is Kind.CLIENT_STREAM else retry,
        )
        return call, timeout

    def _renewal(self, credentials: AccessToken) -> Call:
        """The RefreshToken call that renews ``credentials``."""
        request = auth_pb2.RefreshTokenRequest(refresh_token=credentials.refresh_token)
        deadline = time.monotonic() + UNARY_TIMEOUT_SECONDS
        return Call(request, deadline, self.metadata, self.retry, renewal=True)

    def _stale_token(self) -> AccessToken | None:
        credentials = self.credentials
        return credentials if isinstance(credentials, AccessToken) and credentials.stale() else None

    def _token(self) -> str:
        credentials = self.credentials
        return credentials.token if isinstance(credentials, AccessToken) else ""

    def _after(self, error: grpc.RpcError, attempt: int, call: Call, token: str) -> float:
        """Seconds to wait before trying ``call`` again after ``error``; raises the typed
        error instead when it is not tried again. An access token the server found expired
        is refreshed, and the call tried again, once, when its retry policy allows a try."""
        failure = error_details(error)
        credentials = self.credentials
        if (
            failure.reason == "TOKEN_EXPIRED"
            and not call.reauthenticated
            and attempt < call.retry.attempts
            and isinstance(credentials, AccessToken)
            and credentials.refused(token)
        ):
            call.reauthenticated = True
            return 0.0
        wait = call.retry.delay(attempt, failure, call.remaining())
        if wait is None:
            raise failure from error
        return wait
