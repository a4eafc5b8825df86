"""Access tokens (short-lived JWTs) and the session revocation list.

Access tokens: HS256 pinned, ``typ: at+jwt``, ``kid`` names the key (rotation: the first
key of JWT_KEYS signs, all verify), ``iss``/``aud`` checked, at most 15 minutes. Verified
tokens are cached (verification costs ~100 µs, a large share of a cheap RPC); revocation is
still checked on every call, against the ephemeral store, failing closed.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

import jwt
from sqlalchemy import select

from privexbot.config import Settings
from privexbot.kernel.caches import Recent, SingleFlight
from privexbot.kernel.errors import Unauthenticated
from privexbot.kernel.principal import ANONYMOUS, Principal
from privexbot.store.ephemeral import EphemeralStore
from privexbot.store.models import Session
from privexbot.store.stamps import Stamps

_CACHE_SIZE = 10_000
EPOCH_KEY = "revoked-sessions:epoch"
EPOCH_TTL_SECONDS = 10 * 365 * 86_400  # kept until the store loses it


def revoked_session_key(session_id: str) -> str:
    return f"revoked-session:{session_id}"


class AccessTokens:
    def __init__(self, settings: Settings, store: EphemeralStore, sessions=None) -> None:
        """``sessions``: the SQL sessions the revocation list is refilled from (None in a
        sign-in worker, which issues tokens but checks none)."""
        self._ring = dict(settings.jwt_key_ring)
        self._signing_kid = settings.jwt_key_ring[0][0]
        self._issuer, self._audience = settings.jwt_issuer, settings.jwt_audience
        self.ttl = settings.access_token_ttl_seconds
        self._store, self._sessions = store, sessions
        self._verified = Recent("tokens", _CACHE_SIZE)  # token -> (principal, expiry)
        self._refills = SingleFlight()  # calls that find the list gone refill it once

    def issue(self, user_id: str, session_id: str, org_id: str, ws_id: str) -> tuple[str, datetime]:
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self.ttl)
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": user_id,
            "sid": session_id,
            "org": org_id,
            "ws": ws_id,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        token = jwt.encode(
            claims,
            self._ring[self._signing_kid],
            algorithm="HS256",
            headers={"kid": self._signing_kid, "typ": "at+jwt"},
        )
        return token, expires

    def _verify(self, token: str) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
            key = self._ring.get(header.get("kid", ""))
            if key is None or header.get("typ") != "at+jwt":
                raise jwt.InvalidTokenError("unknown key or not an access token")
            claims = jwt.decode(
                token,
                key,
                algorithms=["HS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "sid", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("TOKEN_EXPIRED", "the access token expired; refresh it") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("TOKEN_INVALID", "the access token is not valid") from None
        principal = Principal(
            "user",
            claims["sub"],
            session_id=claims["sid"],
            organization_id=claims.get("org", ""),
            workspace_id=claims.get("ws", ""),
        )
        return principal, float(claims["exp"])

    async def authenticate(self, token: str, organization_id: str = "") -> tuple[Principal, tuple]:
        """The token's principal, and its version stamps for ``organization_id`` (read in
        the same round trip as the revocation list, for authorization to use)."""
        cached = self._verified.get(token)
        if cached is None or cached[1] <= time.time():
            cached = self._verify(token)
            self._verified.put(token, cached)
        principal = cached[0]
        key = revoked_session_key(principal.session_id)
        stamp_keys = Stamps.keys(principal.id, (organization_id,)) if organization_id else []
        revoked, epoch, *stamps = await self._store.get_many([key, EPOCH_KEY, *stamp_keys])
        if epoch is None:  # the store lost the list (or never had it)
            await self._refills.run(EPOCH_KEY, self._refill)
            revoked = await self._store.get(key)
        if revoked is not None:
            raise Unauthenticated("SESSION_REVOKED", "this session was signed out; sign in again")
        return principal, tuple(stamps)

    async def revoke_sessions(self, session_ids: list[str]) -> None:
        """Refuse access tokens of these sessions from now on (until they would expire anyway).
        Called once their revocation is committed in SQL."""
        for session_id in session_ids:
            await self._store.set(revoked_session_key(session_id), "1", self.ttl + 60)

    async def _refill(self) -> None:
        """Every session revoked while one of its access tokens may still be valid, from SQL
        into the store; then the epoch that says the store has them."""
        since = datetime.now(UTC) - timedelta(seconds=self.ttl + 60)
        async with self._sessions() as session:
            revoked = list(
                await session.scalars(select(Session.id).where(Session.revoked_at >= since))
            )
        await self.revoke_sessions(revoked)
        await self._store.set(EPOCH_KEY, secrets.token_hex(8), EPOCH_TTL_SECONDS)


class Authenticator:
    """Credentials in call metadata → a principal (anonymous when none were sent)."""

    def __init__(self, tokens: AccessTokens, api_keys, publishable_keys) -> None:
        self._tokens, self._api_keys, self._publishable_keys = tokens, api_keys, publishable_keys

    async def authenticate(
        self, metadata: dict[str, str], organization_id: str = ""
    ) -> tuple[Principal, tuple]:
        """The caller, and (for a user, when ``organization_id`` is given) the version stamps
        authorization needs, read with the credentials' revocation check."""
        authorization = metadata.get("authorization")
        if authorization:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated(
                    "CREDENTIALS_MALFORMED", "authorization must be 'Bearer <access token>'"
                )
            return await self._tokens.authenticate(token.strip(), organization_id)
        api_key = metadata.get("x-api-key")
        if api_key:
            return await self._api_keys.authenticate(api_key), ()
        publishable_key = metadata.get("x-publishable-key")
        if publishable_key:
            return await self._publishable_keys.authenticate(publishable_key), ()
        return ANONYMOUS, ()
