"""Wallet sign-in and linked identities: a challenge with a single-use nonce (kept in the
ephemeral store five minutes, taken atomically), a signed message verified for its chain
(wallets/), then a session, a new user, or a wallet linked to the caller's account."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from privexbot.identity import wallets
from privexbot.identity.sessions import Grant, SignInSessions
from privexbot.identity.users import (
    IdentityView,
    NewOrganization,
    identity_view,
    new_user,
    own_event,
)
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import AlreadyExists, FailedPrecondition, Unauthenticated, not_found
from privexbot.kernel.principal import Principal
from privexbot.kernel.ratelimit import Limit, RateLimiter
from privexbot.store import audit
from privexbot.store.models import Identity, User

CHALLENGE_TTL = timedelta(minutes=5)
CHALLENGES_PER_IP = Limit("challenge-ip", 30, 60)
CHALLENGES_PER_ADDRESS = Limit("challenge-address", 10, 60)
DEFAULT_CHAIN_IDS = {
    wallets.Chain.EVM: "1",
    wallets.Chain.SOLANA: "mainnet",
    wallets.Chain.COSMOS: "secret-4",
}


async def _touch_identity(session, kind: str, chain: str, subject: str) -> Identity | None:
    row = (
        await session.execute(
            select(Identity).where(
                Identity.kind == kind, Identity.chain == chain, Identity.subject == subject
            )
        )
    ).scalar()
    if row is not None:
        row.last_used_at = datetime.now(UTC)
    return row


class WalletSignIn:
    def __init__(
        self,
        settings,
        sessions,
        store,
        stamps,
        families: SignInSessions,
        new_organization: NewOrganization,
    ) -> None:
        self._domain, self._uri = settings.wallet_domain, settings.wallet_uri
        self._sessions, self._store, self._stamps = sessions, store, stamps
        self._families, self._new_organization = families, new_organization
        self._limits = RateLimiter(store)

    async def create_challenge(self, chain: wallets.Chain, address: str, chain_id: str):
        address = wallets.normalize_address(chain, address)
        await self._limits.hit(CHALLENGES_PER_IP, current().client_ip)
        await self._limits.hit(CHALLENGES_PER_ADDRESS, f"{chain}:{address}")
        now = datetime.now(UTC).replace(microsecond=0)
        params = wallets.ChallengeParams(
            chain=chain,
            address=address,
            domain=self._domain,
            uri=self._uri,
            chain_id=chain_id or DEFAULT_CHAIN_IDS[chain],
            nonce=secrets.token_hex(16),  # 128 bits, alphanumeric as EIP-4361 requires
            issued_at=now,
            expiration_time=now + CHALLENGE_TTL,
        )
        message = wallets.format_message(params)  # validates chain_id and the rest
        record = {
            "chain": str(chain),
            "address": address,
            "chain_id": params.chain_id,
            "issued_at": now.isoformat(),
            "expires": params.expiration_time.isoformat(),
        }
        await self._store.set(
            f"wallet-nonce:{params.nonce}", json.dumps(record), CHALLENGE_TTL.total_seconds()
        )
        return params, message

    async def _verified(
        self, chain: wallets.Chain, message: str, signature: str, public_key: str
    ) -> str:
        """Consume the challenge's nonce (once, atomically) and verify the signature."""
        try:
            claimed = wallets.parse_message(chain, message)
            record = await self._store.take(f"wallet-nonce:{claimed.nonce}")
            if record is None:
                raise Unauthenticated(
                    "WALLET_NONCE_UNKNOWN",
                    "the challenge expired or was already used; request a new one",
                )
            issued = json.loads(record)
            expected = wallets.ChallengeParams(
                chain=wallets.Chain(issued["chain"]),
                address=issued["address"],
                domain=self._domain,
                uri=self._uri,
                chain_id=issued["chain_id"],
                nonce=claimed.nonce,
                issued_at=datetime.fromisoformat(issued["issued_at"]),
                expiration_time=datetime.fromisoformat(issued["expires"]),
            )
            return wallets.verify(
                chain,
                message=message,
                signature=signature,
                public_key=public_key or None,
                expected=expected,
                now=datetime.now(UTC),
            )
        except Unauthenticated as exc:
            await audit.record_apart(
                self._sessions,
                "auth.wallet.failed",
                details={"chain": str(chain), "reason": exc.reason},
            )
            raise

    async def verify(
        self, chain: wallets.Chain, message: str, signature: str, public_key: str
    ) -> Grant:
        address = await self._verified(chain, message, signature, public_key)
        async with self._sessions() as session, session.begin():
            identity = await _touch_identity(session, "wallet", str(chain), address)
            is_new = identity is None
            if is_new:
                user = await new_user(
                    session, self._new_organization, f"{address[:6]}…{address[-4:]}"
                )
                session.add(
                    Identity(user_id=user.id, kind="wallet", chain=str(chain), subject=address)
                )
            else:
                user = await session.get(User, identity.user_id)
            grant = await self._families.start(session, user, new_user=is_new)
            audit.record(
                session,
                "auth.wallet.login",
                **own_event(user.id, grant.organization_id),
                details={"chain": str(chain), "address": address},
            )
        return grant

    async def link(
        self,
        principal: Principal,
        chain: wallets.Chain,
        message: str,
        signature: str,
        public_key: str,
    ) -> IdentityView:
        address = await self._verified(chain, message, signature, public_key)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            row = await _touch_identity(session, "wallet", str(chain), address)
            if row is not None:
                if row.user_id != principal.id:
                    raise AlreadyExists(
                        "IDENTITY_IN_USE", "this wallet signs in to another account"
                    )
                return identity_view(row)
            row = Identity(user_id=principal.id, kind="wallet", chain=str(chain), subject=address)
            session.add(row)
            await session.flush()
            audit.record(
                session,
                "auth.identity.link",
                organization_id=principal.organization_id or "",
                resource=resources.IDENTITY.name(row.user_id, row.id),
                details={"chain": str(chain), "address": address},
            )
            return identity_view(row)

    async def unlink(self, principal: Principal, name: str) -> None:
        user_id, identity_id = resources.IDENTITY.parse(name)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            row = await session.get(Identity, identity_id)
            if user_id != principal.id or row is None or row.user_id != principal.id:
                raise not_found(name)
            count = await session.scalar(
                select(func.count()).where(Identity.user_id == principal.id)
            )
            if count <= 1:
                raise FailedPrecondition(
                    "LAST_SIGN_IN_METHOD", "cannot remove the last way to sign in"
                )
            if row.kind == "email":
                user = await session.get(User, principal.id)
                user.email, user.password_hash = None, None
            await session.delete(row)
            audit.record(
                session,
                "auth.identity.unlink",
                organization_id=principal.organization_id or "",
                resource=name,
                details={"kind": row.kind, "chain": row.chain},
            )
