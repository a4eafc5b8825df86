"""Members of an organization and of its workspaces: listed, their roles changed, added to
workspaces (with a built-in or a custom role), removed (or leaving). Nobody grants or
changes a role above their own (in a workspace: a role holding a permission they lack); an
organization always keeps an owner. A removal revokes the API keys the member made there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import AlreadyExists, FailedPrecondition, PermissionDenied, not_found
from privexbot.kernel.resources import Scope
from privexbot.store import audit
from privexbot.store.models import ApiKey, OrganizationMembership, User, WorkspaceMembership
from privexbot.tenancy.custom_roles import assignable
from privexbot.tenancy.organizations import organization_role
from privexbot.tenancy.roles import CUSTOM, ORGANIZATION_ROLE_RANK
from privexbot.tenancy.workspaces import get_row as get_workspace


@dataclass(frozen=True)
class MemberView:
    user_id: str
    email: str
    display_name: str
    role: str
    created_at: datetime
    # The organization (and workspace) of the membership.
    organization_id: str
    workspace_id: str = ""
    custom_role_id: str = ""  # when role is "custom"

    @property
    def custom_role(self) -> str:
        if not self.custom_role_id:
            return ""
        return resources.ROLE.name(self.organization_id, self.custom_role_id)

    @property
    def name(self) -> str:
        if self.workspace_id:
            return resources.WORKSPACE_MEMBER.name(
                self.organization_id, self.workspace_id, self.user_id
            )
        return resources.ORGANIZATION_MEMBER.name(self.organization_id, self.user_id)


def member_view(
    user: User, role: str, created_at: datetime, scope: Scope, custom_role_id: str | None = None
) -> MemberView:
    return MemberView(
        user.id,
        user.email or "",
        user.display_name,
        role,
        created_at,
        scope.organization_id,
        scope.workspace_id or "",
        custom_role_id or "",
    )


def outranks_check(actor_rank: int, role_rank: int, what: str) -> None:
    if role_rank < actor_rank:
        raise PermissionDenied(
            "ROLE_ABOVE_OWN", f"nobody grants or changes a role above their own ({what})"
        )


class Members:
    def __init__(self, sessions, stamps) -> None:
        self._sessions, self._stamps = sessions, stamps

    # ---- organization members -------------------------------------------------------------

    async def list_organization(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[MemberView], str]:
        om = OrganizationMembership
        where = om.organization_id == scope.organization_id
        return await self._list(
            scope, om, where, ("org-members", scope.organization_id), size, token
        )

    async def _list(
        self, scope: Scope, membership, where, query_key: tuple, size: int, token: str
    ) -> tuple[list[MemberView], str]:
        """One page of the members of an organization or workspace (``membership``)."""
        custom = (membership.custom_role_id,) if membership is WorkspaceMembership else ()
        query = (
            select(User, membership.role, membership.created_at, *custom)
            .join(membership, membership.user_id == User.id)
            .where(where)
        )
        async with self._sessions() as session:
            if scope.workspace_id is not None:
                await get_workspace(session, scope)
            rows, next_token = await standard.page(
                session,
                query,
                User.id,
                size,
                token,
                query_key,
            )
        return [member_view(*row[:3], scope, *row[3:]) for row in rows], next_token

    @staticmethod
    async def _organization_member(
        session, scope: Scope, user_id: str
    ) -> tuple[OrganizationMembership, User]:
        row = (
            await session.execute(
                select(OrganizationMembership, User)
                .join(User, User.id == OrganizationMembership.user_id)
                .where(
                    OrganizationMembership.organization_id == scope.organization_id,
                    OrganizationMembership.user_id == user_id,
                )
            )
        ).first()
        if row is None:
            raise not_found(resources.ORGANIZATION_MEMBER.name(scope.organization_id, user_id))
        return row[0], row[1]

    @staticmethod
    async def _owners(session, org_id: str) -> int:
        return await session.scalar(
            select(func.count()).where(
                OrganizationMembership.organization_id == org_id,
                OrganizationMembership.role == "owner",
            )
        )

    async def update_organization_member(self, scope: Scope, user_id: str, role: str) -> MemberView:
        actor = current().principal.id
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            membership, user = await self._organization_member(session, scope, user_id)
            actor_rank = ORGANIZATION_ROLE_RANK[
                await organization_role(session, scope.organization_id, actor)
            ]
            outranks_check(
                actor_rank, ORGANIZATION_ROLE_RANK[membership.role], "their current role"
            )
            outranks_check(actor_rank, ORGANIZATION_ROLE_RANK[role], "the new role")
            if (
                membership.role == "owner"
                and role != "owner"
                and await self._owners(session, scope.organization_id) <= 1
            ):
                raise FailedPrecondition(
                    "LAST_OWNER", "the last owner cannot be demoted; make someone else owner first"
                )
            old, membership.role = membership.role, role
            audit.record(
                session,
                "member.update",
                organization_id=scope.organization_id,
                resource=resources.ORGANIZATION_MEMBER.name(scope.organization_id, user_id),
                details={"old_role": old, "new_role": role},
            )
            return member_view(user, role, membership.created_at, scope)

    async def remove_organization_member(self, scope: Scope, user_id: str) -> None:
        """Removes the member from the organization, its workspaces, and revokes the API keys
        they created there. Anyone may leave; removing others needs member.update and rank."""
        call = current()
        actor = call.principal.id
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            membership, _ = await self._organization_member(session, scope, user_id)
            if user_id != actor:
                if "member.update" not in call.grant.permissions:
                    raise PermissionDenied(
                        "PERMISSION_DENIED",
                        "the caller lacks the permission member.update",
                        {"permission": "member.update"},
                    )
                actor_rank = ORGANIZATION_ROLE_RANK[
                    await organization_role(session, scope.organization_id, actor)
                ]
                outranks_check(actor_rank, ORGANIZATION_ROLE_RANK[membership.role], "their role")
            if (
                membership.role == "owner"
                and await self._owners(session, scope.organization_id) <= 1
            ):
                raise FailedPrecondition("LAST_OWNER", "the last owner cannot leave or be removed")
            await session.execute(
                delete(WorkspaceMembership).where(
                    WorkspaceMembership.organization_id == scope.organization_id,
                    WorkspaceMembership.user_id == user_id,
                )
            )
            await session.execute(
                update(ApiKey)
                .where(
                    ApiKey.organization_id == scope.organization_id,
                    ApiKey.creator_id == user_id,
                    ApiKey.revoked_at.is_(None),
                )
                .values(revoked_at=datetime.now(UTC))
            )
            await session.delete(membership)
            audit.record(
                session,
                "member.leave" if user_id == actor else "member.remove",
                organization_id=scope.organization_id,
                resource=resources.ORGANIZATION_MEMBER.name(scope.organization_id, user_id),
            )

    # ---- workspace members ----------------------------------------------------------------

    async def list_workspace(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[MemberView], str]:
        wm = WorkspaceMembership
        where = wm.workspace_id == scope.workspace_id
        return await self._list(scope, wm, where, ("ws-members", scope.workspace_id), size, token)

    @staticmethod
    async def _check_workspace_grant(
        session, scope: Scope, role: str, custom_role_id: str | None
    ) -> None:
        """The caller holds every permission of the workspace role (a built-in one, or the
        organization's custom role ``custom_role_id``: NOT_FOUND when it has none such)."""
        beyond = await assignable(session, scope, role, custom_role_id)
        beyond -= current().grant.permissions
        if beyond:
            raise PermissionDenied(
                "ROLE_ABOVE_OWN",
                "nobody grants or changes a role above their own (the workspace role holds"
                f" {', '.join(sorted(beyond)[:5])}, which you lack)",
            )

    async def add_workspace_member(
        self, scope: Scope, user_id: str, role: str, custom_role_id: str | None = None
    ) -> MemberView:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            await get_workspace(session, scope)
            await self._check_workspace_grant(session, scope, role, custom_role_id)
            user = await session.get(User, user_id)
            if (
                user is None
                or await organization_role(session, scope.organization_id, user_id) is None
            ):
                raise FailedPrecondition(
                    "NOT_ORGANIZATION_MEMBER",
                    "only members of the organization can join its workspaces",
                    {"user": resources.USER.name(user_id)},
                )
            if await session.get(WorkspaceMembership, (scope.workspace_id, user_id)) is not None:
                raise AlreadyExists(
                    "ALREADY_MEMBER", "the user is already a member of this workspace"
                )
            row = WorkspaceMembership(
                workspace_id=scope.workspace_id,
                user_id=user_id,
                organization_id=scope.organization_id,
                role=role,
                custom_role_id=custom_role_id if role == CUSTOM else None,
            )
            session.add(row)
            await session.flush()
            audit.record(
                session,
                "member.add",
                organization_id=scope.organization_id,
                resource=_workspace_member_name(scope, user_id),
                details=_role_details("role", row),
            )
            return member_view(user, role, row.created_at, scope, row.custom_role_id)

    @staticmethod
    async def _workspace_member(
        session, scope: Scope, user_id: str
    ) -> tuple[WorkspaceMembership, User]:
        await get_workspace(session, scope)
        row = await session.get(WorkspaceMembership, (scope.workspace_id, user_id))
        if row is None:
            raise not_found(_workspace_member_name(scope, user_id))
        return row, await session.get(User, user_id)

    async def update_workspace_member(
        self, scope: Scope, user_id: str, role: str, custom_role_id: str | None = None
    ) -> MemberView:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            row, user = await self._workspace_member(session, scope, user_id)
            await self._check_workspace_grant(session, scope, row.role, row.custom_role_id)
            await self._check_workspace_grant(session, scope, role, custom_role_id)
            old = _role_details("old_role", row)
            row.role, row.custom_role_id = role, custom_role_id if role == CUSTOM else None
            audit.record(
                session,
                "member.update",
                organization_id=scope.organization_id,
                resource=_workspace_member_name(scope, user_id),
                details={**old, **_role_details("new_role", row)},
            )
            return member_view(user, role, row.created_at, scope, row.custom_role_id)

    async def remove_workspace_member(self, scope: Scope, user_id: str) -> None:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            row, _ = await self._workspace_member(session, scope, user_id)
            await self._check_workspace_grant(session, scope, row.role, row.custom_role_id)
            await session.delete(row)
            audit.record(
                session,
                "member.remove",
                organization_id=scope.organization_id,
                resource=_workspace_member_name(scope, user_id),
            )


def _role_details(key: str, row: WorkspaceMembership) -> dict[str, str]:
    """The audited role of a workspace membership: a built-in role, or "custom:{role id}"."""
    return {key: f"{CUSTOM}:{row.custom_role_id}" if row.role == CUSTOM else row.role}


def _workspace_member_name(scope: Scope, user_id: str) -> str:
    return resources.WORKSPACE_MEMBER.name(scope.organization_id, scope.workspace_id, user_id)
