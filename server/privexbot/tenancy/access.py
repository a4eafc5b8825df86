"""Authorization: what a principal may do in a scope, read fresh from the database.

Membership is looked up on every scoped call (one indexed query), so a role change or a
removal takes effect on the caller's next request. A scope the caller does not belong to
answers NOT_FOUND, exactly like a missing resource.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from privexbot.errors import PermissionDenied, not_found
from privexbot.identity.principal import Principal
from privexbot.names import Scope
from privexbot.store.models import OrganizationMembership, Workspace, WorkspaceMembership
from privexbot.tenancy.permissions import Grant, granted


class AccessResolver:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def resolve(self, principal: Principal, scope: Scope, name: str) -> Grant:
        """What ``principal`` holds in ``scope``; NOT_FOUND when outside it."""
        if principal.is_publishable_key:  # its own chatbot and what lies under it, nothing else
            bot = principal.resource_name
            if name != bot and not name.startswith(bot + "/"):
                raise not_found(name)
            return Grant(principal.permissions)
        if principal.is_api_key:
            inside = scope.organization_id == principal.organization_id and (
                scope.workspace_id in (None, principal.workspace_id)
            )
            if not inside:
                raise not_found(name)
            return Grant(principal.permissions)
        om, ws, wm = OrganizationMembership, Workspace, WorkspaceMembership
        member = (om.organization_id == scope.organization_id, om.user_id == principal.id)
        if scope.workspace_id is None:
            query = select(om.role, None).where(*member)
        else:
            query = (
                select(om.role, wm.role)
                .join(
                    ws, and_(ws.id == scope.workspace_id, ws.organization_id == om.organization_id)
                )
                .outerjoin(wm, and_(wm.workspace_id == ws.id, wm.user_id == om.user_id))
                .where(*member)
            )
        async with self._sessions() as session:
            row = (await session.execute(query)).first()
        if row is None:
            raise not_found(name)
        org_role, workspace_role = row
        if org_role in ("owner", "admin"):
            workspace_role = "admin" if scope.workspace_id else None
        elif scope.workspace_id and workspace_role is None:
            raise not_found(name)
        return Grant(granted(org_role, workspace_role), org_role, workspace_role or "")

    @staticmethod
    def require(permissions: frozenset[str], permission: str) -> None:
        if permission not in permissions:
            raise PermissionDenied(
                "PERMISSION_DENIED",
                f"the caller lacks the permission {permission}",
                {"permission": permission},
            )
