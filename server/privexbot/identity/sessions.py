"""Sign-in sessions: refresh-token families and the access tokens issued from them.

Each refresh rotates the refresh token; presenting a rotated token again is theft or a bug,
and revokes the whole family. Refresh tokens are stored only as hashes and never logged.
An access token carries the context (organization, workspace) the user works in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, bindparam, exists, insert, or_, select, update

from privexbot.identity.tokens import AccessTokens
from privexbot.identity.users import UserView, own_event, user_view
from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import Unauthenticated, not_found
from privexbot.kernel.ids import hash_secret, new_id, new_secret
from privexbot.kernel.principal import Principal
from privexbot.kernel.views import Named
from privexbot.store import audit
from privexbot.store.models import (
    OrganizationMembership,
    RefreshToken,
    Session,
    User,
    Workspace,
    WorkspaceMembership,
)


@dataclass(frozen=True)
class SessionView(Named, pattern=resources.SESSION):
    """A live sign-in of a user, as ListSessions shows it."""

    user_id: str
    id: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    client_ip: str
    current: bool


@dataclass(frozen=True)
class Grant:
    """The result of a sign-in: tokens and the context they carry."""

    user: UserView
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    organization_id: str
    workspace_id: str
    new_user: bool = False


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


# Login-path statements, built once (construction and cache-key work are a share of each
# statement's cost on the event loop). Core, not ORM, where no ORM object is needed.
_DEFAULT_CONTEXT = _default_context_query()
_INSERT_SESSION = insert(Session.__table__)
_INSERT_REFRESH_TOKEN = insert(RefreshToken.__table__)


class SignInSessions:
    def __init__(self, sessions, tokens: AccessTokens, refresh_token_ttl_seconds: int) -> None:
        self._sessions, self._tokens = sessions, tokens
        self._ttl = timedelta(seconds=refresh_token_ttl_seconds)

    @classmethod
    async def home_organization(cls, session, user_id: str) -> str:
        """The organization a new sign-in of the user lands in ("" for none): where events
        about their account outside any session are recorded."""
        return (await cls._default_context(session, user_id))[0]

    @staticmethod
    async def _default_context(session, user_id: str) -> tuple[str, str]:
        """The user's first organization and its default workspace (or their first one), in
        one query (a login runs it; each statement costs the event loop ~0.5 ms)."""
        row = (await session.execute(_DEFAULT_CONTEXT, {"user_id": user_id})).first()
        if row is None:
            return "", ""
        return row[0], row[1] or ""

    @staticmethod
    async def _default_workspace(session, user_id: str, org_id: str) -> str:
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

    async def start(self, session, user: User, new_user: bool = False) -> Grant:
        """A new session family and its first refresh token: Core inserts (no ORM objects to
        track and flush on the login path)."""
        org_id, ws_id = await self._default_context(session, user.id)
        now = datetime.now(UTC)
        expires = now + self._ttl
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
                "client_ip": current().client_ip,
                "last_used_at": now,
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
        return Grant(
            user_view(user), access, access_expires, refresh, expires, org_id, ws_id, new_user
        )

    def _tokens_for(self, session, user: User, family: Session) -> Grant:
        """A rotated refresh token and a new access token for an existing family."""
        refresh = new_secret()
        session.add(RefreshToken(token_hash=hash_secret(refresh), session_id=family.id))
        family.last_used_at, family.client_ip = datetime.now(UTC), current().client_ip
        access, access_expires = self._tokens.issue(
            user.id, family.id, family.organization_id or "", family.workspace_id or ""
        )
        return Grant(
            user_view(user),
            access,
            access_expires,
            refresh,
            family.expires_at,
            family.organization_id or "",
            family.workspace_id or "",
        )

    async def revoke(self, session, families: list[Session], reason: str) -> None:
        now = datetime.now(UTC)
        for family in families:
            if family.revoked_at is None:
                family.revoked_at, family.revoke_reason = now, reason
        await self._tokens.revoke_sessions([f.id for f in families])

    async def revoke_all(self, session, user_id: str, reason: str) -> None:
        """End every live session of the user."""
        families = list(
            await session.scalars(
                select(Session).where(Session.user_id == user_id, Session.revoked_at.is_(None))
            )
        )
        await self.revoke(session, families, reason)

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
                await self.revoke(session, [family], "refresh_token_reused")
                if reused:
                    audit.record(
                        session,
                        "auth.refresh.reuse",
                        **own_event(family.user_id, family.organization_id or ""),
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
                await self.revoke(session, [family], "logout")
                audit.record(
                    session,
                    "auth.logout",
                    **own_event(family.user_id, family.organization_id or ""),
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
                ws_id = await self._default_workspace(session, principal.id, org_id)
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

    @staticmethod
    def _live(user_id: str):
        return select(Session).where(
            Session.user_id == user_id,
            Session.revoked_at.is_(None),
            Session.expires_at > datetime.now(UTC),
        )

    @staticmethod
    def _own(principal: Principal, user_name: str, field: str) -> None:
        """Only the caller's own sessions: another user's answer NOT_FOUND."""
        if resources.USER.id_of(user_name, field) != principal.id:
            raise not_found(user_name)

    async def list(
        self, principal: Principal, user_name: str, size: int, token: str
    ) -> tuple[list[SessionView], str]:
        self._own(principal, user_name, "parent")
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session, self._live(principal.id), Session.id, size, token, (principal.id,)
            )
        views = [
            SessionView(
                r.user_id,
                r.id,
                r.created_at,
                r.last_used_at,
                r.expires_at,
                r.client_ip,
                r.id == principal.session_id,
            )
            for r in rows
        ]
        return views, next_token

    async def revoke_one(self, principal: Principal, name: str) -> None:
        user_id, session_id = resources.SESSION.parse(name)
        if user_id != principal.id:
            raise not_found(name)
        async with self._sessions() as session, session.begin():
            family = await session.get(Session, session_id)
            if family is None or family.user_id != principal.id or family.revoked_at:
                raise not_found(name)
            await self.revoke(session, [family], "revoked")
            audit.record(
                session,
                "auth.session.revoke",
                organization_id=principal.organization_id or "",
                resource=name,
            )

    async def revoke_others(self, principal: Principal, user_name: str) -> int:
        """End every live session of the caller but the calling one; how many ended."""
        self._own(principal, user_name, "parent")
        async with self._sessions() as session, session.begin():
            query = self._live(principal.id).where(Session.id != principal.session_id)
            families = list(await session.scalars(query))
            await self.revoke(session, families, "revoked_others")
            audit.record(
                session,
                "auth.session.revoke_others",
                organization_id=principal.organization_id or "",
                resource=user_name,
                details={"count": str(len(families))},
            )
        return len(families)
