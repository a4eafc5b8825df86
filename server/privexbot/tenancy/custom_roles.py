"""Custom roles: an organization's own workspace roles, each a set of the workspace
permissions the catalog declares (``kernel/permissions.py``), listed after the built-in
roles (admin, editor, viewer), which read the same way and never change.

Every write replaces the organization's stamp once committed: the cached grants of the
members holding a role are built under it, so an edit counts on their next call, in every
worker. A role some workspace member holds cannot be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.errors import AlreadyExists, FailedPrecondition
from privexbot.kernel.permissions import workspace_permissions
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import Named, from_row
from privexbot.store.base import name_key
from privexbot.store.models import CustomRole, WorkspaceMembership
from privexbot.tenancy.roles import CUSTOM, WORKSPACE_ROLES

BUILT_IN = {
    "admin": "Everything in the workspace, members included.",
    "editor": "Builds chatbots, chatflows and knowledge bases; cannot delete them.",
    "viewer": "Reads and chats; changes nothing.",
}


@dataclass(frozen=True)
class RoleView(Named, pattern=resources.ROLE):
    organization_id: str
    id: str
    display_name: str
    description: str
    permissions: tuple[str, ...]
    built_in: bool
    workspace_role: str  # the built-in role it is, or "custom"
    created_at: datetime | None
    updated_at: datetime | None
    etag: str


def _built_in(org_id: str, role: str) -> RoleView:
    return RoleView(
        org_id,
        role,
        role.capitalize(),
        BUILT_IN[role],
        tuple(sorted(WORKSPACE_ROLES[role])),
        True,
        role,
        None,
        None,
        "",
    )


def _view(row: CustomRole) -> RoleView:
    return from_row(
        RoleView,
        row,
        permissions=tuple(row.permissions),
        built_in=False,
        workspace_role=CUSTOM,
        etag=standard.etag(row),
    )


def _permissions(permissions) -> list[str]:
    return workspace_permissions(
        permissions, "role.permissions", "a workspace role", "ORGANIZATION_PERMISSION_IN_ROLE"
    )


def _refuse_built_in(scope: Scope, role_id: str) -> None:
    if role_id in BUILT_IN:
        raise FailedPrecondition(
            "BUILT_IN_ROLE",
            "built-in roles cannot be changed or deleted; define a custom role instead",
            {"role": resources.ROLE.name(scope.organization_id, role_id)},
        )


ROLES = standard.Methods(
    CustomRole, resources.ROLE, "role", updatable={"display_name", "description", "permissions"}
)


async def get_row(session, scope: Scope, role_id: str) -> CustomRole:
    return await ROLES.get(session, Scope(scope.organization_id), role_id)


async def _ensure_name_free(session, org_id: str, display_name: str, renamed=None) -> None:
    taken = await session.scalar(
        select(CustomRole.id).where(
            CustomRole.organization_id == org_id,
            CustomRole.name_key == name_key(display_name),
            CustomRole.id != (renamed.id if renamed is not None else ""),
        )
    )
    if taken is not None or name_key(display_name) in BUILT_IN:
        raise AlreadyExists(
            "ROLE_NAME_TAKEN", "another role of this organization has that display name"
        )


class CustomRoles:
    def __init__(self, sessions, stamps) -> None:
        self._sessions, self._stamps = sessions, stamps

    async def create(
        self, scope: Scope, display_name: str, description: str, permissions, request_id: str
    ) -> RoleView:
        permissions = _permissions(permissions)
        org_id = scope.organization_id
        async with self._stamps.transaction(self._sessions, org_id) as (session, _):

            async def make() -> CustomRole:
                await _ensure_name_free(session, org_id, display_name)
                return CustomRole(
                    organization_id=org_id,
                    display_name=display_name,
                    description=description,
                    permissions=permissions,
                )

            row = await ROLES.create(
                session,
                request_id,
                (resources.ORGANIZATION.name(org_id), display_name, description, permissions),
                make,
                details=lambda r: {"permissions": ",".join(r.permissions)},
            )
            return _view(row)

    async def get(self, scope: Scope, role_id: str) -> RoleView:
        if role_id in BUILT_IN:
            return _built_in(scope.organization_id, role_id)
        async with self._sessions() as session:
            return _view(await get_row(session, scope, role_id))

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[RoleView], str]:
        """The built-in roles first (in rank order), then the custom ones oldest first."""
        query_id = ("roles", scope.organization_id)
        after = pagination.decode(token, query_id) or ""
        built_in = list(BUILT_IN)
        if after in BUILT_IN:
            built_in = built_in[built_in.index(after) + 1 :]
        elif after:
            built_in = []
        query = select(CustomRole).where(CustomRole.organization_id == scope.organization_id)
        if after and after not in BUILT_IN:
            query = query.where(CustomRole.id > after)
        query = query.order_by(CustomRole.id).limit(size + 1 - min(len(built_in), size + 1))
        async with self._sessions() as session:
            rows = list(await session.scalars(query))
        views = [_built_in(scope.organization_id, r) for r in built_in] + [_view(r) for r in rows]
        return pagination.page(views[: size + 1], size, lambda v: v.id, query_id)

    async def update(
        self, scope: Scope, role_id: str, values: dict, paths: list[str], given_etag: str
    ) -> RoleView:
        _refuse_built_in(scope, role_id)
        if "permissions" in paths:
            values = {**values, "permissions": _permissions(values["permissions"])}
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            row = await get_row(session, scope, role_id)
            if "display_name" in paths:
                await _ensure_name_free(session, scope.organization_id, values["display_name"], row)
            granted = values["permissions"] if "permissions" in paths else row.permissions
            details = {"permissions": ",".join(granted)}
            ROLES.update(session, row, values, paths, given_etag, details=details)
            return _view(row)

    async def delete(self, scope: Scope, role_id: str, given_etag: str) -> None:
        _refuse_built_in(scope, role_id)
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            row = await get_row(session, scope, role_id)
            holders = await session.scalar(
                select(func.count()).where(WorkspaceMembership.custom_role_id == row.id)
            )

            def refuse(_row) -> None:
                if holders:
                    raise FailedPrecondition(
                        "ROLE_IN_USE",
                        f"{holders} workspace member(s) hold this role; give them another first",
                        {"holders": str(holders)},
                    )

            await ROLES.delete(session, row, given_etag, refuse=refuse)


async def assignable(
    session, scope: Scope, role: str, custom_role_id: str | None
) -> frozenset[str]:
    """The permissions a workspace role grants: a built-in one's, or those of the custom role
    ``custom_role_id`` of the scope's organization (NOT_FOUND when it has none such)."""
    if role != CUSTOM:
        return WORKSPACE_ROLES[role]
    return frozenset((await get_row(session, scope, custom_role_id)).permissions)
