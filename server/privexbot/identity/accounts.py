"""Sign-up, sign-in (email and wallets), sessions and linked identities.

Sessions are refresh-token families: each refresh rotates the token; presenting a rotated
token again is theft or a bug, and revokes the whole family. Tokens and nonces are stored
only as hashes or single-use keys, and never logged.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from privexbot.config import Settings
from privexbot.identity import passwords, wallets
from privexbot.identity.ratelimit import (
    CHALLENGES_PER_ADDRESS,
    CHALLENGES_PER_IP,
    FAILED_LOGINS_PER_ACCOUNT,
    FAILED_LOGINS_PER_IP,
    LOGINS_PER_IP,
    RateLimiter,
)
from privexbot.identity.tokens import AccessTokens
from privexbot.kernel import emails, resources
from privexbot.kernel.caches import Recent, SingleFlight
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    AlreadyExists,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    Unauthenticated,
    not_found,
)
from privexbot.kernel.ids import hash_secret, new_id, new_secret
from privexbot.kernel.principal import Principal
from privexbot.store import audit
from privexbot.store.ephemeral import EphemeralStore
from privexbot.store.models import (
    Identity,
    Organization,
    OrganizationMembership,
    RefreshToken,
    Session,
    User,
    Workspace,
    WorkspaceMembership,
)
from privexbot.tenancy.organizations import create_organization
from privexbot.tenancy.stamps import Stamps

if TYPE_CHECKING:
    from privexbot.identity.sign_in_process import SignInProcesses

CHALLENGE_TTL = timedelta(minutes=5)
CURRENT_USER_CACHE_SECONDS = 60
CURRENT_USER_CACHE_SIZE = 10_000
DEFAULT_CHAIN_IDS = {
    wallets.Chain.EVM: "1",
    wallets.Chain.SOLANA: "mainnet",
    wallets.Chain.COSMOS: "secret-4",
}


@dataclass(frozen=True)
class Grant:
    """The result of a sign-in: tokens and the context they carry."""

    user: User
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    organization_id: str
    workspace_id: str
    new_user: bool = False


@dataclass(frozen=True)
class Membership:
    organization: Organization
    role: str
    workspaces: list[tuple[Workspace, str]]


@dataclass(frozen=True)
class CurrentUser:
    user: User
    identities: list[Identity]
    memberships: list[Membership]


# Login-path statements, built once (construction and cache-key work are a share of each
# statement's cost on the event loop). Core, not ORM, where no ORM object is needed.
_USER_BY_EMAIL = select(User).where(User.email == bindparam("email"))
_identities = Identity.__table__
_TOUCH_EMAIL_IDENTITY = (
    update(_identities)
    .where(
        _identities.c.kind == "email",
        _identities.c.chain == "",
        _identities.c.subject == bindparam("b_subject"),
    )
    .values(last_used_at=bindparam("b_now"))
)
_INSERT_SESSION = insert(Session.__table__)
_INSERT_REFRESH_TOKEN = insert(RefreshToken.__table__)


def _default_context_query():
    """(organization, workspace) the user lands in: their first organization by membership
    age, and in it the default workspace if they can enter it (owners and admins enter every
    workspace; others those they are members of), else the first they can enter; NULL
    workspace when they can enter none."""
    om, ws, wm = OrganizationMembership, Workspace, WorkspaceMembership
    enters = or_(
        om.role.in_(("owner", "admin")),
        exists().where(wm.workspace_id == ws.id, wm.user_id == om.user_id),
    )
    return (
        select(om.organization_id, ws.id)
        .outerjoin(ws, and_(ws.organization_id == om.organization_id, enters))
        .where(om.user_id == bindparam("user_id"))
        .order_by(om.created_at, om.organization_id, ws.is_default.desc(), ws.id)
        .limit(1)
    )


_DEFAULT_CONTEXT = _default_context_query()


def identity_name(row: Identity) -> str:
    return f"{resources.USER.name(row.user_id)}/identities/{row.id}"


def _login_failed() -> Unauthenticated:
    # One answer for "no such account" and "wrong password": existence never leaks.
    return Unauthenticated("INVALID_CREDENTIALS", "email or password is wrong")


class Accounts:
    def __init__(
        self,
        settings: Settings,
        sessions,
        store: EphemeralStore | None,
        tokens: AccessTokens,
        sign_in: SignInProcesses | None,
    ) -> None:
        """``sign_in``: where passwords are checked for log-ins (sign_in_process.py); None
        only for the Accounts inside such a process, which never logs in itself."""
        self._settings, self._sessions, self._store, self._tokens = (
            settings,
            sessions,
            store,
            tokens,
        )
        self._sign_in = sign_in
        self._limits = RateLimiter(store)
        self._stamps = Stamps(store)
        # user id -> (view, its organizations, the stamps it was built under)
        self._current_users = Recent(CURRENT_USER_CACHE_SIZE, CURRENT_USER_CACHE_SECONDS)
        self._current_user_loads = SingleFlight()

    # ---- sessions -------------------------------------------------------------------------

    async def _default_context(self, session, user_id: str) -> tuple[str, str]:
        """The user's first organization and its default workspace (or their first one), in
        one query (a login runs it; each statement costs the event loop ~0.5 ms)."""
        row = (await session.execute(_DEFAULT_CONTEXT, {"user_id": user_id})).first()
        if row is None:
            return "", ""
        return row[0], row[1] or ""

    @staticmethod
    async def default_workspace(session, user_id: str, org_id: str) -> str:
        """The org's default workspace if the user can enter it, else their first one."""
        role = await session.scalar(
            select(OrganizationMembership.role).where(
                OrganizationMembership.organization_id == org_id,
                OrganizationMembership.user_id == user_id,
            )
        )
        query = select(Workspace.id).where(Workspace.organization_id == org_id)
        if role not in ("owner", "admin"):
            query = query.join(
                WorkspaceMembership,
                (WorkspaceMembership.workspace_id == Workspace.id)
                & (WorkspaceMembership.user_id == user_id),
            )
        query = query.order_by(Workspace.is_default.desc(), Workspace.id).limit(1)
        return (await session.execute(query)).scalar() or ""

    async def _start_session(self, session, user: User, new_user: bool = False) -> Grant:
        """A new session family and its first refresh token: Core inserts (no ORM objects to
        track and flush on the login path)."""
        org_id, ws_id = await self._default_context(session, user.id)
        now = datetime.now(UTC)
        expires = now + timedelta(seconds=self._settings.refresh_token_ttl_seconds)
        family_id = new_id()
        await session.execute(
            _INSERT_SESSION,
            {
                "id": family_id,
                "user_id": user.id,
                "organization_id": org_id,
                "workspace_id": ws_id,
                "created_at": now,
                "expires_at": expires,
                "revoked_at": None,
                "revoke_reason": "",
            },
        )
        refresh = new_secret()
        await session.execute(
            _INSERT_REFRESH_TOKEN,
            {
                "token_hash": hash_secret(refresh),
                "session_id": family_id,
                "created_at": now,
                "used_at": None,
            },
        )
        access, access_expires = self._tokens.issue(user.id, family_id, org_id, ws_id)
        return Grant(user, access, access_expires, refresh, expires, org_id, ws_id, new_user)

    def _tokens_for(self, session, user: User, family: Session) -> Grant:
        """A rotated refresh token and a new access token for an existing family."""
        refresh = new_secret()
        session.add(RefreshToken(token_hash=hash_secret(refresh), session_id=family.id))
        access, access_expires = self._tokens.issue(
            user.id, family.id, family.organization_id or "", family.workspace_id or ""
        )
        return Grant(
            user,
            access,
            access_expires,
            refresh,
            family.expires_at,
            family.organization_id or "",
            family.workspace_id or "",
        )

    async def _revoke(self, session, families: list[Session], reason: str) -> None:
        now = datetime.now(UTC)
        for family in families:
            if family.revoked_at is None:
                family.revoked_at, family.revoke_reason = now, reason
        await self._tokens.revoke_sessions([f.id for f in families])

    async def _record_failure(self, action: str, details: dict[str, str]) -> None:
        """Audit a failed attempt in its own transaction (the attempt's own rolls back)."""
        async with self._sessions() as session, session.begin():
            audit.record(session, action, details=details)

    async def _new_user(
        self, session, display_name: str, email: str | None = None, password_hash: str | None = None
    ) -> User:
        user = User(email=email, display_name=display_name, password_hash=password_hash)
        session.add(user)
        await session.flush()
        label = (display_name or email or "My") + "'s organization"
        await create_organization(session, user.id, label[:100])
        return user

    # ---- email ----------------------------------------------------------------------------

    async def sign_up_email(self, email: str, password: str, display_name: str) -> Grant:
        email = emails.normalize(email)
        passwords.check_policy(password)
        await self._limits.hit(LOGINS_PER_IP, current().client_ip)
        password_hash = await passwords.hash_password(password)
        try:
            async with self._sessions() as session, session.begin():
                user = await self._new_user(
                    session, display_name.strip() or email.split("@")[0], email, password_hash
                )
                session.add(Identity(user_id=user.id, kind="email", subject=email))
                await session.flush()
                grant = await self._start_session(session, user, new_user=True)
                audit.record(
                    session,
                    "auth.signup",
                    actor=resources.USER.name(user.id),
                    resource=resources.USER.name(user.id),
                )
        except IntegrityError:
            raise AlreadyExists(
                "EMAIL_TAKEN", "an account with this email exists; sign in"
            ) from None
        return grant

    async def log_in_email(self, email: str, password: str) -> Grant:
        email = emails.normalize(email)
        ip = current().client_ip
        await self._limits.hit(LOGINS_PER_IP, ip)
        await self._limits.ensure_below_all(
            (FAILED_LOGINS_PER_ACCOUNT, email), (FAILED_LOGINS_PER_IP, ip)
        )
        grant = await self._sign_in.check_password_and_start_session(email, password)
        if grant is not None:
            return grant
        await self._limits.hit(FAILED_LOGINS_PER_ACCOUNT, email)
        await self._limits.hit(FAILED_LOGINS_PER_IP, ip)
        await self._record_failure("auth.login.failed", {"method": "email"})
        raise _login_failed()

    async def check_password_and_start_session(self, email: str, password: str) -> Grant | None:
        """A log-in's transaction, None when the email or the password is wrong (both cost
        one hash). Runs in a sign-in process, which has no ephemeral store."""
        async with self._sessions() as session, session.begin():
            user = (await session.execute(_USER_BY_EMAIL, {"email": email})).scalar()
            ok, rehash = await passwords.verify_password(
                user.password_hash if user else None, password
            )
            if not ok:
                return None
            if rehash:  # parameters changed since this hash was made: upgrade it now
                user.password_hash = await passwords.hash_password(password)
            await session.execute(
                _TOUCH_EMAIL_IDENTITY, {"b_subject": email, "b_now": datetime.now(UTC)}
            )
            grant = await self._start_session(session, user)
            await audit.append(
                session,
                "auth.login",
                actor=resources.USER.name(user.id),
                resource=resources.USER.name(user.id),
            )
        return grant

    async def change_password(
        self, principal: Principal, current_password: str, new_password: str
    ) -> Grant:
        passwords.check_policy(new_password, "new_password")
        if new_password == current_password:
            raise InvalidArgument.field("new_password", "must differ from the current password")
        async with self._sessions() as session, session.begin():
            user = await session.get(User, principal.id)
            if user is None or user.password_hash is None:
                raise FailedPrecondition("NO_PASSWORD", "this account signs in with a wallet only")
            await self._limits.ensure_below(FAILED_LOGINS_PER_ACCOUNT, user.email or user.id)
            ok, _ = await passwords.verify_password(user.password_hash, current_password)
            if not ok:
                await self._limits.hit(FAILED_LOGINS_PER_ACCOUNT, user.email or user.id)
                raise Unauthenticated("INVALID_CREDENTIALS", "the current password is wrong")
            user.password_hash = await passwords.hash_password(new_password)
            # Every session ends, this one included; the caller gets a fresh one.
            families = list(
                (
                    await session.execute(
                        select(Session).where(
                            Session.user_id == user.id, Session.revoked_at.is_(None)
                        )
                    )
                ).scalars()
            )
            await self._revoke(session, families, "password_changed")
            grant = await self._start_session(session, user)
            audit.record(session, "auth.password.change", resource=resources.USER.name(user.id))
        return grant

    async def _touch_identity(
        self, session, kind: str, chain: str, subject: str
    ) -> Identity | None:
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

    # ---- wallets --------------------------------------------------------------------------

    async def create_wallet_challenge(self, chain: wallets.Chain, address: str, chain_id: str):
        address = wallets.normalize_address(chain, address)
        await self._limits.hit(CHALLENGES_PER_IP, current().client_ip)
        await self._limits.hit(CHALLENGES_PER_ADDRESS, f"{chain}:{address}")
        now = datetime.now(UTC).replace(microsecond=0)
        params = wallets.ChallengeParams(
            chain=chain,
            address=address,
            domain=self._settings.wallet_domain,
            uri=self._settings.wallet_uri,
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

    async def _verified_wallet(
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
                domain=self._settings.wallet_domain,
                uri=self._settings.wallet_uri,
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
            await self._record_failure(
                "auth.wallet.failed", {"chain": str(chain), "reason": exc.reason}
            )
            raise

    async def verify_wallet(
        self, chain: wallets.Chain, message: str, signature: str, public_key: str
    ) -> Grant:
        address = await self._verified_wallet(chain, message, signature, public_key)
        async with self._sessions() as session, session.begin():
            identity = await self._touch_identity(session, "wallet", str(chain), address)
            new_user = identity is None
            if new_user:
                user = await self._new_user(session, f"{address[:6]}…{address[-4:]}")
                session.add(
                    Identity(user_id=user.id, kind="wallet", chain=str(chain), subject=address)
                )
            else:
                user = await session.get(User, identity.user_id)
            grant = await self._start_session(session, user, new_user=new_user)
            audit.record(
                session,
                "auth.wallet.login",
                actor=resources.USER.name(user.id),
                resource=resources.USER.name(user.id),
                details={"chain": str(chain), "address": address},
            )
        return grant

    async def link_wallet(
        self,
        principal: Principal,
        chain: wallets.Chain,
        message: str,
        signature: str,
        public_key: str,
    ) -> Identity:
        address = await self._verified_wallet(chain, message, signature, public_key)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            row = await self._touch_identity(session, "wallet", str(chain), address)
            if row is not None:
                if row.user_id != principal.id:
                    raise AlreadyExists(
                        "IDENTITY_IN_USE", "this wallet signs in to another account"
                    )
                return row
            row = Identity(user_id=principal.id, kind="wallet", chain=str(chain), subject=address)
            session.add(row)
            await session.flush()
            audit.record(
                session,
                "auth.identity.link",
                resource=identity_name(row),
                details={"chain": str(chain), "address": address},
            )
        return row

    async def unlink_identity(self, principal: Principal, name: str) -> None:
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
                resource=name,
                details={"kind": row.kind, "chain": row.chain},
            )

    # ---- tokens ---------------------------------------------------------------------------

    async def refresh(self, refresh_token: str) -> Grant:
        token_hash = hash_secret(refresh_token)
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            rotated = await session.execute(
                update(RefreshToken)
                .where(RefreshToken.token_hash == token_hash, RefreshToken.used_at.is_(None))
                .values(used_at=now)
            )
            token = await session.get(RefreshToken, token_hash)
            if token is None:
                raise Unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid")
            family = await session.get(Session, token.session_id)
            if rotated.rowcount != 1:
                reused = family.revoked_at is None
                await self._revoke(session, [family], "refresh_token_reused")
                if reused:
                    audit.record(
                        session,
                        "auth.refresh.reuse",
                        actor=resources.USER.name(family.user_id),
                        resource=resources.USER.name(family.user_id),
                    )
                error = Unauthenticated(
                    "REFRESH_TOKEN_REUSED",
                    "this refresh token was already used; the session is revoked",
                )
            elif family.revoked_at is not None:
                error = Unauthenticated(
                    "SESSION_REVOKED", "this session was signed out; sign in again"
                )
            elif family.expires_at <= now:
                error = Unauthenticated(
                    "REFRESH_TOKEN_EXPIRED", "the session expired; sign in again"
                )
            else:
                error = None
                user = await session.get(User, family.user_id)
                grant = self._tokens_for(session, user, family)
        if error is not None:  # raised after commit, so the revocation sticks
            raise error
        return grant

    async def log_out(self, refresh_token: str) -> None:
        async with self._sessions() as session, session.begin():
            token = await session.get(RefreshToken, hash_secret(refresh_token))
            if token is None:
                raise Unauthenticated("REFRESH_TOKEN_INVALID", "the refresh token is not valid")
            family = await session.get(Session, token.session_id)
            if family.revoked_at is None:
                await self._revoke(session, [family], "logout")
                audit.record(
                    session,
                    "auth.logout",
                    actor=resources.USER.name(family.user_id),
                    resource=resources.USER.name(family.user_id),
                )

    async def switch_context(
        self, principal: Principal, org_id: str, ws_id: str | None
    ) -> tuple[str, datetime, str, str]:
        """A new access token for another org/workspace the user belongs to."""
        async with self._sessions() as session, session.begin():
            role = await session.scalar(
                select(OrganizationMembership.role).where(
                    OrganizationMembership.organization_id == org_id,
                    OrganizationMembership.user_id == principal.id,
                )
            )
            if role is None:
                raise not_found(resources.ORGANIZATION.name(org_id))
            if ws_id is None:
                ws_id = await self.default_workspace(session, principal.id, org_id)
            else:
                ws = await session.get(Workspace, ws_id)
                member = role in ("owner", "admin") or await session.get(
                    WorkspaceMembership, (ws_id, principal.id)
                )
                if ws is None or ws.organization_id != org_id or not member:
                    raise not_found(resources.WORKSPACE.name(org_id, ws_id))
            family = await session.get(Session, principal.session_id)
            if family is not None:  # refreshed tokens keep the chosen context
                family.organization_id, family.workspace_id = org_id, ws_id
        token, expires = self._tokens.issue(principal.id, principal.session_id, org_id, ws_id)
        return token, expires, org_id, ws_id

    # ---- the caller -----------------------------------------------------------------------

    async def current_user(self, principal: Principal) -> CurrentUser:
        """The caller's profile, identities and memberships, cached per user and dropped as
        soon as a stamp it depends on changes (stamps.py); at most a minute old otherwise."""
        view = await self._cached_current_user(principal.id)
        if view is not None:
            return view
        user_stamp = (await self._stamps.ensure(principal.id, ()))[0]
        # Calls that read the same stamp share one load: it began after that stamp was set.
        return await self._current_user_loads.run(
            (principal.id, user_stamp), lambda: self._reload_current_user(principal.id, user_stamp)
        )

    async def _cached_current_user(self, user_id: str) -> CurrentUser | None:
        cached = self._current_users.get(user_id)
        if cached is not None:
            view, org_ids, stamps = cached
            if await self._stamps.read(user_id, org_ids) == stamps:
                return view
        return None

    async def _reload_current_user(self, user_id: str, user_stamp: str) -> CurrentUser:
        # A load that ended while this call read the stamps (Redis: round trips) stored it.
        view = await self._cached_current_user(user_id)
        if view is not None:
            return view
        view = await self._load_current_user(user_id)
        org_ids = tuple(m.organization.id for m in view.memberships)
        stamps = await self._stamps.ensure(user_id, org_ids)
        if stamps[0] == user_stamp:  # nothing changed while loading
            self._current_users.put(user_id, (view, org_ids, stamps))
        return view

    async def _load_current_user(self, user_id: str) -> CurrentUser:
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            if user is None:
                raise Unauthenticated("USER_DELETED", "this account no longer exists")
            identities = list(
                (
                    await session.execute(
                        select(Identity).where(Identity.user_id == user.id).order_by(Identity.id)
                    )
                ).scalars()
            )
            orgs = (
                await session.execute(
                    select(Organization, OrganizationMembership.role)
                    .join(
                        OrganizationMembership,
                        OrganizationMembership.organization_id == Organization.id,
                    )
                    .where(OrganizationMembership.user_id == user.id)
                    .order_by(Organization.id)
                )
            ).all()
            ws_roles = dict(
                (
                    await session.execute(
                        select(WorkspaceMembership.workspace_id, WorkspaceMembership.role).where(
                            WorkspaceMembership.user_id == user.id
                        )
                    )
                ).all()
            )
            workspaces = list(
                (
                    await session.execute(
                        select(Workspace)
                        .where(Workspace.organization_id.in_([o.id for o, _ in orgs]))
                        .order_by(Workspace.id)
                    )
                ).scalars()
            )
        memberships = []
        for org, role in orgs:
            visible = [
                (ws, "admin" if role in ("owner", "admin") else ws_roles[ws.id])
                for ws in workspaces
                if ws.organization_id == org.id
                and (role in ("owner", "admin") or ws.id in ws_roles)
            ]
            memberships.append(Membership(org, role, visible))
        return CurrentUser(user, identities, memberships)


__all__ = ["Accounts", "CurrentUser", "DomainError", "Grant", "Membership"]
