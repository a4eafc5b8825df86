"""Authorization: what a principal may do in a scope.

A user's roles in an organization and workspace (with a custom role's permissions) come
from the database, cached per (user, organization, workspace) under the version stamps of
that user's memberships and of that organization's workspaces and custom roles
(``stamps.py``). Every change to any of them replaces its stamp once committed, so a role
change, a custom role's edit or a removal takes effect on the caller's next request, in
every worker (the stamps live in the shared ephemeral store; with it down, authorization
fails closed). A scope the caller does not belong to answers NOT_FOUND, exactly like a
missing resource.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from privexbot.kernel.caches import Recent, SingleFlight
from privexbot.kernel.errors import PermissionDenied, not_found
from privexbot.kernel.permissions import WORKSPACE_PERMISSIONS, Grant
from privexbot.kernel.principal import Principal
from privexbot.kernel.resources import Scope
from privexbot.store.models import (
    CustomRole,
    OrganizationMembership,
    Workspace,
    WorkspaceMembership,
)
from privexbot.store.stamps import Stamps
from privexbot.tenancy.roles import granted

ROLES_CACHE_SIZE = 10_000
# Stamps decide validity; the age limit only bounds what a lost stamp update could leave.
ROLES_CACHE_SECONDS = 60


class AccessResolver:
    def __init__(self, sessions, stamps: Stamps) -> None:
        self._sessions, self._stamps = sessions, stamps
        # (user, organization, workspace) ->
        #     (stamps, (org role, workspace role, custom role's permissions) | None)
        self._roles = Recent("roles", ROLES_CACHE_SIZE, ROLES_CACHE_SECONDS)
        self._loads = SingleFlight()  # callers who miss one entry together query once

    async def resolve(
        self, principal: Principal, scope: Scope, name: str, stamps: tuple = ()
    ) -> Grant:
        """What ``principal`` holds in ``scope``; NOT_FOUND when outside it. ``stamps``:
        the user's and the scope organization's, if already read."""
        if principal.is_publishable_key:  # its own chatbot and what lies under it, nothing else
            bot = principal.resource_name
            if name != bot and not name.startswith(bot + "/"):
                raise not_found(name)
            return Grant(principal.permissions)
        if principal.is_api_key:
            if scope.organization_id != principal.organization_id or scope.workspace_id not in (
                None,
                principal.workspace_id,
            ):
                raise not_found(name)
            if scope.workspace_id is None:
                raise PermissionDenied(
                    "API_KEY_WORKSPACE_ONLY",
                    "an API key acts in its own workspace only, not on its organization",
                )
            return Grant(principal.permissions & WORKSPACE_PERMISSIONS)
        stamps, row = await self._member_roles(principal.id, scope, stamps)
        if row is None:
            raise not_found(name)
        org_role, workspace_role, custom_permissions = row
        if org_role in ("owner", "admin"):
            workspace_role = "admin" if scope.workspace_id else None
        elif scope.workspace_id and workspace_role is None:
            raise not_found(name)
        return Grant(
            granted(org_role, workspace_role, custom_permissions),
            org_role,
            workspace_role or "",
            stamps,
        )

    async def _member_roles(
        self, user_id: str, scope: Scope, read: tuple = ()
    ) -> tuple[tuple, tuple | None]:
        """The stamps read and the user's (organization role, workspace role, custom role's
        permissions), None when not a member. Stamps are read before the database: rows read
        after a change under stamps from before it are cached under stamps that no longer
        match."""
        key = (user_id, scope.organization_id, scope.workspace_id)
        stamps = await self._stamps.ensure(user_id, (scope.organization_id,), read)
        cached = self._roles.get(key)
        if cached is not None and cached[0] == stamps:
            return stamps, cached[1]
        row = await self._loads.run((key, stamps), lambda: self._reload(key, stamps, scope))
        return stamps, row

    async def _reload(self, key: tuple, stamps: tuple, scope: Scope) -> tuple | None:
        row = await self._query(key[0], scope)
        self._roles.put(key, (stamps, row))
        return row

    async def _query(self, user_id: str, scope: Scope) -> tuple | None:
        om, ws, wm = OrganizationMembership, Workspace, WorkspaceMembership
        member = (om.organization_id == scope.organization_id, om.user_id == user_id)
        if scope.workspace_id is None:
            query = select(om.role, None, None).where(*member)
        else:
            query = (
                select(om.role, wm.role, CustomRole.permissions)
                .join(
                    ws, and_(ws.id == scope.workspace_id, ws.organization_id == om.organization_id)
                )
                .outerjoin(wm, and_(wm.workspace_id == ws.id, wm.user_id == om.user_id))
                .outerjoin(CustomRole, CustomRole.id == wm.custom_role_id)
                .where(*member)
            )
        async with self._sessions() as session:
            row = (await session.execute(query)).first()
        return None if row is None else tuple(row)

    @staticmethod
    def require(permissions: frozenset[str], permission: str) -> None:
        if permission not in permissions:
            raise PermissionDenied(
                "PERMISSION_DENIED",
                f"the caller lacks the permission {permission}",
                {"permission": permission},
            )
