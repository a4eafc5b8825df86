"""Credentials as gRPC call credentials: an API key, or an access token that refreshes.

A client attaches its current ``credentials`` to every call through one metadata plugin
(``grpc.metadata_call_credentials``), so they can be replaced while calls run. gRPC sends
call credentials only over a protected channel: TLS, or a local connection, which
``channel_credentials`` picks for loopback targets (127.0.0.1, ::1, localhost).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

import grpc

from privexbot.v1 import auth_pb2


class ApiKey:
    """A workspace API key (``pxb_<prefix>_<secret>``), sent as ``x-api-key``."""

    def __init__(self, key: str) -> None:
        self.key = key

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("x-api-key", self.key),)


class AccessToken:
    """A user's access token (``authorization: Bearer``). With the session's refresh token
    the client renews it a minute before ``expire_time`` (epoch seconds), and once more
    when the server answers TOKEN_EXPIRED (a clock behind). Refresh tokens rotate on every
    use: ``on_refresh(session)`` hears of each new session, so the latest can be kept."""

    REFRESH_BEFORE_SECONDS = 60.0

    def __init__(
        self,
        token: str,
        *,
        refresh_token: str = "",
        expire_time: float | None = None,
        on_refresh: Callable[[auth_pb2.AuthSession], None] | None = None,
    ) -> None:
        self.token, self.refresh_token, self.expire_time = token, refresh_token, expire_time
        self.on_refresh = on_refresh

    @classmethod
    def from_session(
        cls,
        session: auth_pb2.AuthSession,
        on_refresh: Callable[[auth_pb2.AuthSession], None] | None = None,
    ) -> AccessToken:
        """The credentials of a sign-in (``AuthSession``), refreshed as it expires."""
        credentials = cls("", on_refresh=on_refresh)
        credentials._adopt(session)
        return credentials

    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.token}"),)

    def stale(self) -> bool:
        """Due for a refresh (and able to have one)."""
        return bool(self.refresh_token) and (
            self.expire_time is not None
            and time.time() >= self.expire_time - self.REFRESH_BEFORE_SECONDS
        )

    def refused(self, token: str) -> bool:
        """The server called ``token`` expired: make it stale if it is still the current one.
        True when a refresh can help."""
        if token == self.token:
            self.expire_time = 0.0
        return bool(self.refresh_token)

    def renewed(self, session: auth_pb2.AuthSession) -> None:
        """Take the tokens of a RefreshToken answer."""
        self._adopt(session)
        if self.on_refresh is not None:
            self.on_refresh(session)

    def _adopt(self, session: auth_pb2.AuthSession) -> None:
        self.token, self.refresh_token = session.access_token, session.refresh_token
        expires = session.access_token_expire_time
        self.expire_time = (
            expires.seconds + expires.nanos / 1e9
            if session.HasField("access_token_expire_time")
            else None
        )


Credentials = ApiKey | AccessToken


class _Attach(grpc.AuthMetadataPlugin):
    """Adds the client's current credentials to each call (gRPC runs this per call)."""

    def __init__(self, client) -> None:
        self._client = client

    def __call__(self, context, callback) -> None:
        credentials = self._client.credentials
        callback(credentials.metadata() if credentials else (), None)


def loopback(target: str) -> bool:
    host = target.removeprefix("dns:///").rsplit(":", 1)[0].strip("[]")
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def channel_credentials(client, target: str, tls: grpc.ChannelCredentials | None):
    """``tls`` (default: local credentials for a loopback target, else TLS with the
    system's roots) composed with the plugin that attaches ``client.credentials``."""
    if tls is None:
        tls = (
            grpc.local_channel_credentials() if loopback(target) else grpc.ssl_channel_credentials()
        )
    return grpc.composite_channel_credentials(tls, grpc.metadata_call_credentials(_Attach(client)))
