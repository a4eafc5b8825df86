"""The caller's profile, identities and memberships (GetCurrentUser), cached per user and
dropped as soon as a stamp it depends on changes (store/stamps.py); at most a minute old
otherwise. Calls that miss the same entry together load it once."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from privexbot.identity.users import IdentityView, UserView, identity_view, user_view
from privexbot.kernel.caches import Recent, SingleFlight
from privexbot.kernel.errors import Unauthenticated
from privexbot.kernel.principal import Principal
from privexbot.store.models import (
    Identity,
    Organization,
    OrganizationMembership,
    User,
    Workspace,
    WorkspaceMembership,
)

CACHE_SECONDS = 60
CACHE_SIZE = 10_000


@dataclass(frozen=True)
class MembershipView:
    organization_id: str
    organization_display_name: str
    role: str
    # (workspace id, display name, role, custom role id or "")
    workspaces: tuple[tuple[str, str, str, str], ...]


@dataclass(frozen=True)
class CurrentUser:
    user: UserView
    identities: tuple[IdentityView, ...]
    memberships: tuple[MembershipView, ...]


class CurrentUsers:
    def __init__(self, sessions, stamps) -> None:
        self._sessions, self._stamps = sessions, stamps
        # user id -> (view, its organizations, the stamps it was built under)
        self._views = Recent("current_user", CACHE_SIZE, CACHE_SECONDS)
        self._loads = SingleFlight()

    async def of(self, principal: Principal) -> CurrentUser:
        """The same object while nothing it depends on changed (callers may cache what they
        build from it by identity)."""
        view = await self._cached(principal.id)
        if view is not None:
            return view
        user_stamp = (await self._stamps.ensure(principal.id, ()))[0]
        # Calls that read the same stamp share one load: it began after that stamp was set.
        return await self._loads.run(
            (principal.id, user_stamp), lambda: self._reload(principal.id, user_stamp)
        )

    async def _cached(self, user_id: str) -> CurrentUser | None:
        cached = self._views.get(user_id)
        if cached is not None:
            view, org_ids, stamps = cached
            if await self._stamps.read(user_id, org_ids) == stamps:
                return view
        return None

    async def _reload(self, user_id: str, user_stamp: str) -> CurrentUser:
        # A load that ended while this call read the stamps (Redis: round trips) stored it.
        view = await self._cached(user_id)
        if view is not None:
            return view
        view = await self._load(user_id)
        org_ids = tuple(m.organization_id for m in view.memberships)
        stamps = await self._stamps.ensure(user_id, org_ids)
        if stamps[0] == user_stamp:  # nothing changed while loading
            self._views.put(user_id, (view, org_ids, stamps))
        return view

    async def _load(self, user_id: str) -> CurrentUser:
        async with self._sessions() as session:
            user = await session.get(User, user_id)
            if user is None or user.deleted_at is not None:
                raise Unauthenticated("USER_DELETED", "this account no longer exists")
            identities = await session.scalars(
                select(Identity).where(Identity.user_id == user.id).order_by(Identity.id)
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
            wm = WorkspaceMembership
            ws_roles = {
                ws_id: (role, custom_role_id or "")
                for ws_id, role, custom_role_id in (
                    await session.execute(
                        select(wm.workspace_id, wm.role, wm.custom_role_id).where(
                            wm.user_id == user.id
                        )
                    )
                ).all()
            }
            workspaces = list(
                await session.scalars(
                    select(Workspace)
                    .where(Workspace.organization_id.in_([o.id for o, _ in orgs]))
                    .order_by(Workspace.id)
                )
            )
            identity_views = tuple(identity_view(i) for i in identities)
        memberships = []
        for org, role in orgs:
            as_admin = role in ("owner", "admin")
            visible = tuple(
                (ws.id, ws.display_name, *(("admin", "") if as_admin else ws_roles[ws.id]))
                for ws in workspaces
                if ws.organization_id == org.id and (as_admin or ws.id in ws_roles)
            )
            memberships.append(MembershipView(org.id, org.display_name, role, visible))
        return CurrentUser(user_view(user), identity_views, tuple(memberships))
