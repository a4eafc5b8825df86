"""Workspaces: created within the plan's limit under a display name unique in their
organization (whatever its case), read, listed as the caller may see them, updated, deleted
(never the default one) with everything in them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from privexbot.kernel import resources, standard
from privexbot.kernel.caches import Recent
from privexbot.kernel.calls import current
from privexbot.kernel.errors import AlreadyExists, FailedPrecondition
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import Named, from_row
from privexbot.store.base import name_key
from privexbot.store.models import VectorOutbox, Workspace, WorkspaceMembership
from privexbot.tenancy import plans
from privexbot.tenancy.organizations import get_row as get_organization
from privexbot.tenancy.organizations import organization_role

WORKSPACES = standard.Methods(
    Workspace, resources.WORKSPACE, "workspace", {"display_name", "description"}
)
VIEWS_CACHE_SIZE = 10_000
# The organization's stamp decides validity; the age limit bounds a lost stamp update.
VIEWS_CACHE_SECONDS = 60


@dataclass(frozen=True)
class WorkspaceView(Named, pattern=resources.WORKSPACE):
    organization_id: str
    id: str
    display_name: str
    description: str
    default: bool
    role: str  # the caller's
    created_at: datetime
    updated_at: datetime
    etag: str


def _view(ws: Workspace, role: str) -> WorkspaceView:
    return from_row(WorkspaceView, ws, default=ws.is_default, role=role, etag=standard.etag(ws))


async def get_row(session, scope: Scope) -> Workspace:
    return await WORKSPACES.get(session, Scope(scope.organization_id), scope.workspace_id)


def _creator_role() -> str:
    """The caller's role in a workspace they create in the organization of this call:
    owners and admins are admins of every workspace; others have none until added."""
    return "admin" if current().grant.organization_role in ("owner", "admin") else ""


async def _ensure_name_free(
    session, org_id: str, display_name: str, renamed: Workspace | None = None
) -> None:
    """ALREADY_EXISTS when another workspace of the organization has this display name
    (whatever its case); a unique constraint backs this up against races."""
    query = select(Workspace.id).where(
        Workspace.organization_id == org_id, Workspace.name_key == name_key(display_name)
    )
    if renamed is not None:
        query = query.where(Workspace.id != renamed.id)
    taken = await session.scalar(query)
    if taken is not None:
        raise AlreadyExists(
            "WORKSPACE_NAME_TAKEN",
            "another workspace of this organization has that display name",
            {"workspace": resources.WORKSPACE.name(org_id, taken)},
        )


def _keep_default(ws: Workspace) -> None:
    if ws.is_default:
        raise FailedPrecondition("DEFAULT_WORKSPACE", "the default workspace cannot be deleted")


class Workspaces:
    def __init__(self, sessions, store, stamps, vectors_owed) -> None:
        """``vectors_owed``: called after a delete that owes Milvus vector deletions."""
        self._sessions, self._store, self._stamps = sessions, store, stamps
        self._vectors_owed = vectors_owed
        # (organization, workspace) -> (organization stamp, view without the caller's role)
        self._views = Recent("workspaces", VIEWS_CACHE_SIZE, VIEWS_CACHE_SECONDS)

    async def create(
        self, scope: Scope, display_name: str, description: str, request_id: str
    ) -> WorkspaceView:
        parent = resources.ORGANIZATION.name(scope.organization_id)
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):

            async def make() -> Workspace:
                org = await get_organization(session, scope)
                used = await plans.count_owned(session, Workspace, org.id)
                plans.ensure_below("workspaces", used, plans.limits_of(org).workspaces, org.plan)
                await _ensure_name_free(session, org.id, display_name)
                return Workspace(
                    organization_id=org.id, display_name=display_name, description=description
                )

            ws = await WORKSPACES.create(
                session,
                request_id,
                (parent, display_name, description),
                make,
            )
        return _view(ws, _creator_role())

    async def get(self, scope: Scope) -> WorkspaceView:
        """Served from memory while the organization's stamp is the one authorization just
        read (every workspace write replaces it): no database round trip on a hot read."""
        grant = current().grant
        key = (scope.organization_id, scope.workspace_id)
        cached = self._views.get(key)
        if grant.stamps and cached is not None and cached[0] == grant.stamps[-1]:
            view = cached[1]
        else:
            async with self._sessions() as session:
                view = _view(await get_row(session, scope), "")
            if grant.stamps:
                self._views.put(key, (grant.stamps[-1], view))
        return dataclasses.replace(view, role=grant.workspace_role)

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[WorkspaceView], str]:
        """Owners and admins see every workspace; members see the ones they belong to."""
        user_id = current().principal.id
        async with self._sessions() as session:
            org_role = await organization_role(session, scope.organization_id, user_id)
            as_admin = org_role in ("owner", "admin")
            query = (
                select(Workspace, WorkspaceMembership.role)
                .outerjoin(
                    WorkspaceMembership,
                    (WorkspaceMembership.workspace_id == Workspace.id)
                    & (WorkspaceMembership.user_id == user_id),
                )
                .where(Workspace.organization_id == scope.organization_id)
            )
            if not as_admin:
                query = query.where(WorkspaceMembership.role.is_not(None))
            rows, next_token = await standard.page(
                session,
                query,
                Workspace.id,
                size,
                token,
                ("workspaces", scope.organization_id, resources.USER.name(user_id)),
            )
        return [_view(ws, "admin" if as_admin else (role or "")) for ws, role in rows], next_token

    async def update(
        self, scope: Scope, values: dict, paths: list[str], given_etag: str
    ) -> WorkspaceView:
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            ws = await get_row(session, scope)
            if "display_name" in paths:
                await _ensure_name_free(session, ws.organization_id, values["display_name"], ws)
            WORKSPACES.update(session, ws, values, paths, given_etag)
            return _view(ws, current().grant.workspace_role)

    async def delete(self, scope: Scope, given_etag: str) -> None:
        async with self._stamps.transaction(self._sessions, scope.organization_id) as (session, _):
            ws = await get_row(session, scope)
            session.add(VectorOutbox(organization_id=ws.organization_id, workspace_id=ws.id))
            await WORKSPACES.delete(session, ws, given_etag, refuse=_keep_default)
        await self._store.delete_prefix(f"org:{scope.organization_id}:ws:{scope.workspace_id}:")
        self._vectors_owed()
