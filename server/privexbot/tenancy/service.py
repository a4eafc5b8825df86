"""Organizations, workspaces, members, invitations, audit and usage.

Every method takes the scope the authorization interceptor resolved from the request
(``privexbot.kernel.calls.current().scope``) and filters every query by it: a row outside the
caller's tenant is never read, so it can only ever be NOT_FOUND.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, or_, select, update

from privexbot.kernel import emails, pagination, resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    Aborted,
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    not_found,
)
from privexbot.kernel.ids import hash_secret, new_secret
from privexbot.kernel.resources import Scope
from privexbot.store import idempotency
from privexbot.store.ephemeral import EphemeralStore
from privexbot.store.models import (
    ApiKey,
    AuditEvent,
    Chatbot,
    ChatMessage,
    Identity,
    Invitation,
    KnowledgeBase,
    Organization,
    OrganizationMembership,
    User,
    VectorOutbox,
    Workspace,
    WorkspaceMembership,
    name_key,
)
from privexbot.tenancy import audit, plans
from privexbot.tenancy.organizations import create_organization
from privexbot.tenancy.roles import ORGANIZATION_ROLE_RANK, WORKSPACE_ROLE_RANK
from privexbot.tenancy.stamps import Stamps

INVITATION_TTL = timedelta(days=7)
MAX_ORGANIZATIONS_PER_USER = 20
ORGANIZATION_FIELDS = {"display_name", "billing_email", "settings"}
WORKSPACE_FIELDS = {"display_name", "description"}


async def messages_this_month(session, organization_id: str, now: datetime) -> int:
    """Chat messages visitors and members sent this calendar month (UTC): the plan quota."""
    month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return await session.scalar(
        select(func.count()).where(
            ChatMessage.organization_id == organization_id,
            ChatMessage.role == "user",
            ChatMessage.created_at >= month,
        )
    )


def etag(row) -> str:
    """Opaque and changes on every update (AIP-154)."""
    return hashlib.sha256(f"{row.id}:{row.version}".encode()).hexdigest()[:16]


def check_etag(given: str, row) -> None:
    if given and given != etag(row):
        raise Aborted("ETAG_MISMATCH", "the resource changed since you read it; read it again")


def check_mask(paths: list[str], allowed: set[str]) -> list[str]:
    """The update mask's paths, refusing anything that is not user-editable (role, plan,
    owner, name, times: privileged or output-only fields never change through a mask)."""
    if not paths:
        raise InvalidArgument.field("update_mask", "must name the fields to change")
    refused = sorted(set(paths) - allowed)
    if refused:
        raise InvalidArgument.field(
            "update_mask",
            f"cannot change {', '.join(refused)}; updatable: {', '.join(sorted(allowed))}",
        )
    return paths


@dataclass(frozen=True)
class Member:
    user: User
    role: str
    created_at: datetime
    organization_id: str = ""


@dataclass(frozen=True)
class Usage:
    plan: str
    trial_ends_at: datetime | None
    limits: plans.Limits
    workspaces: int
    chatbots: int
    messages_this_month: int
    chatflows: int
    knowledge_bases: int


class Tenancy:
    def __init__(self, sessions, store: EphemeralStore, vectors_owed=lambda: None) -> None:
        """``vectors_owed``: called after a delete that owes Milvus vector deletions."""
        self._sessions, self._store, self._vectors_owed = sessions, store, vectors_owed
        self._stamps = Stamps(store)

    # ---- shared lookups -------------------------------------------------------------------

    @staticmethod
    async def _org(session, scope: Scope) -> Organization:
        org = await session.get(Organization, scope.organization_id)
        if org is None:
            raise not_found(resources.ORGANIZATION.name(scope.organization_id))
        return org

    @staticmethod
    async def _workspace(session, scope: Scope) -> Workspace:
        ws = await session.get(Workspace, scope.workspace_id)
        if ws is None or ws.organization_id != scope.organization_id:
            raise not_found(resources.WORKSPACE.name(scope.organization_id, scope.workspace_id))
        return ws

    @staticmethod
    async def org_role(session, org_id: str, user_id: str) -> str | None:
        return await session.scalar(
            select(OrganizationMembership.role).where(
                OrganizationMembership.organization_id == org_id,
                OrganizationMembership.user_id == user_id,
            )
        )

    async def _workspace_role(self, session, scope: Scope, user_id: str) -> str | None:
        """The effective workspace role: org owners and admins are admins everywhere."""
        org_role = await self.org_role(session, scope.organization_id, user_id)
        if org_role in ("owner", "admin"):
            return "admin"
        if org_role is None:
            return None
        return await session.scalar(
            select(WorkspaceMembership.role).where(
                WorkspaceMembership.workspace_id == scope.workspace_id,
                WorkspaceMembership.user_id == user_id,
            )
        )

    @staticmethod
    def _outranks_check(actor_rank: int, role_rank: int, what: str) -> None:
        if role_rank < actor_rank:
            raise PermissionDenied(
                "ROLE_ABOVE_OWN", f"nobody grants or changes a role above their own ({what})"
            )

    # ---- organizations --------------------------------------------------------------------

    async def create_organization(
        self, display_name: str, billing_email: str, settings: dict[str, str], request_id: str
    ) -> tuple[Organization, str]:
        principal = current().principal
        if billing_email:
            billing_email = emails.normalize(billing_email, "organization.billing_email")
        request = idempotency.fingerprint(display_name, billing_email, settings)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:  # answered as the caller may see it now
                scope = resources.scope_of(earlier)
                role = await self.org_role(session, scope.organization_id, principal.id)
                if role is None:
                    raise not_found(earlier)
                return await self._org(session, scope), role
            owned = await session.scalar(
                select(func.count()).where(OrganizationMembership.user_id == principal.id)
            )
            if owned >= MAX_ORGANIZATIONS_PER_USER:
                raise FailedPrecondition(
                    "ORGANIZATION_LIMIT",
                    f"a user can belong to at most {MAX_ORGANIZATIONS_PER_USER} organizations",
                )
            org, _ = await create_organization(session, principal.id, display_name, billing_email)
            org.settings = dict(settings)
            name = resources.ORGANIZATION.name(org.id)
            idempotency.remember(session, request_id, request, name)
            audit.record(session, "organization.create", organization_id=org.id, resource=name)
        return org, "owner"

    async def get_organization(self, scope: Scope) -> tuple[Organization, str]:
        async with self._sessions() as session:
            org = await self._org(session, scope)
            return org, self._caller_org_role()

    @staticmethod
    def _caller_org_role() -> str:
        """The caller's organization role, as authorization resolved it for this call."""
        return current().grant.organization_role

    async def list_organizations(
        self, size: int, token: str
    ) -> tuple[list[tuple[Organization, str]], str]:
        user_id = current().principal.id
        query_id = ("organizations", user_id)
        query = (
            select(Organization, OrganizationMembership.role)
            .join(OrganizationMembership, OrganizationMembership.organization_id == Organization.id)
            .where(OrganizationMembership.user_id == user_id)
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    pagination.keyset(query, Organization.id, size, token, query_id)
                )
            ).all()
        return pagination.page([tuple(r) for r in rows], size, lambda r: r[0].id, query_id)

    async def update_organization(
        self, scope: Scope, values: dict, paths: list[str], given_etag: str
    ) -> tuple[Organization, str]:
        check_mask(paths, ORGANIZATION_FIELDS)
        if "billing_email" in paths and values["billing_email"]:
            values["billing_email"] = emails.normalize(
                values["billing_email"], "organization.billing_email"
            )
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.organizations.add(scope.organization_id)
            org = await self._org(session, scope)
            check_etag(given_etag, org)
            for path in paths:
                setattr(org, path, values[path])
            org.version += 1
            org.updated_at = datetime.now(UTC)
            audit.record(
                session,
                "organization.update",
                organization_id=org.id,
                resource=resources.ORGANIZATION.name(org.id),
                details={"fields": ",".join(sorted(paths))},
            )
            return org, self._caller_org_role()

    async def delete_organization(self, scope: Scope, given_etag: str) -> None:
        """Deletes the organization and, by cascade, everything it owns."""
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.organizations.add(scope.organization_id)
            org = await self._org(session, scope)
            check_etag(given_etag, org)
            session.add(VectorOutbox(organization_id=org.id))  # its vectors go too, even on a crash
            await session.execute(delete(Organization).where(Organization.id == org.id))
            audit.record(
                session,
                "organization.delete",
                organization_id=org.id,
                resource=resources.ORGANIZATION.name(org.id),
            )
        await self._store.delete_prefix(f"org:{org.id}:")
        self._vectors_owed()

    # ---- workspaces -----------------------------------------------------------------------

    async def usage(self, scope: Scope) -> Usage:
        async with self._sessions() as session:
            return await self._usage(session, await self._org(session, scope))

    @staticmethod
    async def _usage(session, org: Organization) -> Usage:
        workspaces = await session.scalar(
            select(func.count()).where(Workspace.organization_id == org.id)
        )
        knowledge_bases = await session.scalar(
            select(func.count()).where(KnowledgeBase.organization_id == org.id)
        )
        chatbots = await session.scalar(
            select(func.count()).where(Chatbot.organization_id == org.id)
        )
        now = datetime.now(UTC)
        limits = plans.effective_limits(org.plan, org.trial_ends_at, now)
        messages = await messages_this_month(session, org.id, now)
        # Chatflows arrive with FlowService.
        return Usage(
            org.plan, org.trial_ends_at, limits, workspaces, chatbots, messages, 0, knowledge_bases
        )

    async def create_workspace(
        self, scope: Scope, display_name: str, description: str, request_id: str
    ) -> tuple[Workspace, str]:
        parent = resources.ORGANIZATION.name(scope.organization_id)
        request = idempotency.fingerprint(parent, display_name, description)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.organizations.add(scope.organization_id)
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:  # same parent (the fingerprint has it), which the caller may use now
                ws = await self._workspace(session, resources.scope_of(earlier))
                return ws, self._creator_workspace_role()
            org = await self._org(session, scope)
            usage = await self._usage(session, org)
            plans.ensure_below("workspaces", usage.workspaces, usage.limits.workspaces, org.plan)
            await self._ensure_name_free(session, org.id, display_name)
            ws = Workspace(
                organization_id=org.id, display_name=display_name, description=description
            )
            session.add(ws)
            await session.flush()
            name = resources.WORKSPACE.name(org.id, ws.id)
            idempotency.remember(session, request_id, request, name)
            audit.record(session, "workspace.create", organization_id=org.id, resource=name)
        return ws, self._creator_workspace_role()

    async def get_workspace(self, scope: Scope) -> tuple[Workspace, str]:
        async with self._sessions() as session:
            ws = await self._workspace(session, scope)
            return ws, self._caller_workspace_role()

    @staticmethod
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

    @staticmethod
    def _caller_workspace_role() -> str:
        return current().grant.workspace_role

    @staticmethod
    def _creator_workspace_role() -> str:
        """The caller's role in a workspace they create in the organization of this call:
        owners and admins are admins of every workspace; others have none until added."""
        return "admin" if current().grant.organization_role in ("owner", "admin") else ""

    async def list_workspaces(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[tuple[Workspace, str]], str]:
        """Owners and admins see every workspace; members see the ones they belong to."""
        principal = current().principal
        query_id = ("workspaces", scope.organization_id, principal.resource_name)
        async with self._sessions() as session:
            org_role = await self.org_role(session, scope.organization_id, principal.id)
            query = (
                select(Workspace, WorkspaceMembership.role)
                .outerjoin(
                    WorkspaceMembership,
                    (WorkspaceMembership.workspace_id == Workspace.id)
                    & (WorkspaceMembership.user_id == principal.id),
                )
                .where(Workspace.organization_id == scope.organization_id)
            )
            if org_role not in ("owner", "admin"):
                query = query.where(WorkspaceMembership.role.is_not(None))
            rows = (
                await session.execute(pagination.keyset(query, Workspace.id, size, token, query_id))
            ).all()
        as_admin = org_role in ("owner", "admin")
        result = [(ws, "admin" if as_admin else (role or "")) for ws, role in rows]
        return pagination.page(result, size, lambda r: r[0].id, query_id)

    async def update_workspace(
        self, scope: Scope, values: dict, paths: list[str], given_etag: str
    ) -> tuple[Workspace, str]:
        check_mask(paths, WORKSPACE_FIELDS)
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.organizations.add(scope.organization_id)
            ws = await self._workspace(session, scope)
            check_etag(given_etag, ws)
            if "display_name" in paths:
                await self._ensure_name_free(
                    session, ws.organization_id, values["display_name"], ws
                )
            for path in paths:
                setattr(ws, path, values[path])
            ws.version += 1
            ws.updated_at = datetime.now(UTC)
            audit.record(
                session,
                "workspace.update",
                organization_id=ws.organization_id,
                resource=resources.WORKSPACE.name(ws.organization_id, ws.id),
                details={"fields": ",".join(sorted(paths))},
            )
            return ws, self._caller_workspace_role()

    async def delete_workspace(self, scope: Scope, given_etag: str) -> None:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.organizations.add(scope.organization_id)
            ws = await self._workspace(session, scope)
            check_etag(given_etag, ws)
            if ws.is_default:
                raise FailedPrecondition(
                    "DEFAULT_WORKSPACE", "the default workspace cannot be deleted"
                )
            session.add(VectorOutbox(organization_id=ws.organization_id, workspace_id=ws.id))
            await session.execute(delete(Workspace).where(Workspace.id == ws.id))
            audit.record(
                session,
                "workspace.delete",
                organization_id=ws.organization_id,
                resource=resources.WORKSPACE.name(ws.organization_id, ws.id),
            )
        await self._store.delete_prefix(f"org:{scope.organization_id}:ws:{scope.workspace_id}:")
        self._vectors_owed()

    # ---- organization members -------------------------------------------------------------

    async def list_organization_members(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[Member], str]:
        query_id = ("org-members", scope.organization_id)
        query = (
            select(User, OrganizationMembership.role, OrganizationMembership.created_at)
            .join(OrganizationMembership, OrganizationMembership.user_id == User.id)
            .where(OrganizationMembership.organization_id == scope.organization_id)
        )
        async with self._sessions() as session:
            rows = (
                await session.execute(pagination.keyset(query, User.id, size, token, query_id))
            ).all()
        return pagination.page([Member(*r) for r in rows], size, lambda m: m.user.id, query_id)

    async def _org_member(
        self, session, scope: Scope, user_id: str
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
            raise not_found(
                f"{resources.ORGANIZATION.name(scope.organization_id)}/members/{user_id}"
            )
        return row[0], row[1]

    async def _owners(self, session, org_id: str) -> int:
        return await session.scalar(
            select(func.count()).where(
                OrganizationMembership.organization_id == org_id,
                OrganizationMembership.role == "owner",
            )
        )

    async def update_organization_member(self, scope: Scope, user_id: str, role: str) -> Member:
        actor = current().principal.id
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            membership, user = await self._org_member(session, scope, user_id)
            actor_rank = ORGANIZATION_ROLE_RANK[
                await self.org_role(session, scope.organization_id, actor)
            ]
            self._outranks_check(
                actor_rank, ORGANIZATION_ROLE_RANK[membership.role], "their current role"
            )
            self._outranks_check(actor_rank, ORGANIZATION_ROLE_RANK[role], "the new role")
            if (
                membership.role == "owner"
                and role != "owner"
                and await self._owners(session, scope.organization_id) <= 1
            ):
                raise FailedPrecondition(
                    "LAST_OWNER", "the last owner cannot be demoted; make someone else owner first"
                )
            old = membership.role
            membership.role = role
            audit.record(
                session,
                "member.update",
                organization_id=scope.organization_id,
                resource=f"{resources.ORGANIZATION.name(scope.organization_id)}/members/{user_id}",
                details={"old_role": old, "new_role": role},
            )
            return Member(user, role, membership.created_at)

    async def remove_organization_member(self, scope: Scope, user_id: str) -> None:
        """Removes the member from the organization, its workspaces, and revokes the API keys
        they created there. Anyone may leave; removing others needs member.update and rank."""
        call = current()
        actor = call.principal.id
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            membership, _ = await self._org_member(session, scope, user_id)
            if user_id != actor:
                if "member.update" not in call.grant.permissions:
                    raise PermissionDenied(
                        "PERMISSION_DENIED",
                        "the caller lacks the permission member.update",
                        {"permission": "member.update"},
                    )
                actor_rank = ORGANIZATION_ROLE_RANK[
                    await self.org_role(session, scope.organization_id, actor)
                ]
                self._outranks_check(
                    actor_rank, ORGANIZATION_ROLE_RANK[membership.role], "their role"
                )
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
                resource=f"{resources.ORGANIZATION.name(scope.organization_id)}/members/{user_id}",
            )

    # ---- workspace members ----------------------------------------------------------------

    async def list_workspace_members(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[Member], str]:
        query_id = ("ws-members", scope.workspace_id)
        query = (
            select(User, WorkspaceMembership.role, WorkspaceMembership.created_at)
            .join(WorkspaceMembership, WorkspaceMembership.user_id == User.id)
            .where(WorkspaceMembership.workspace_id == scope.workspace_id)
        )
        async with self._sessions() as session:
            await self._workspace(session, scope)
            rows = (
                await session.execute(pagination.keyset(query, User.id, size, token, query_id))
            ).all()
        return pagination.page([Member(*r) for r in rows], size, lambda m: m.user.id, query_id)

    async def _check_workspace_grant(self, session, scope: Scope, role: str) -> None:
        actor_role = await self._workspace_role(session, scope, current().principal.id)
        self._outranks_check(
            WORKSPACE_ROLE_RANK[actor_role], WORKSPACE_ROLE_RANK[role], "workspace role"
        )

    async def add_workspace_member(self, scope: Scope, user_id: str, role: str) -> Member:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            await self._workspace(session, scope)
            await self._check_workspace_grant(session, scope, role)
            user = await session.get(User, user_id)
            if user is None or await self.org_role(session, scope.organization_id, user_id) is None:
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
            )
            session.add(row)
            await session.flush()
            audit.record(
                session,
                "member.add",
                organization_id=scope.organization_id,
                resource=f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/members/{user_id}",
                details={"role": role},
            )
            return Member(user, role, row.created_at)

    async def _workspace_member(
        self, session, scope: Scope, user_id: str
    ) -> tuple[WorkspaceMembership, User]:
        await self._workspace(session, scope)
        row = await session.get(WorkspaceMembership, (scope.workspace_id, user_id))
        if row is None:
            raise not_found(
                f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/members/{user_id}"
            )
        return row, await session.get(User, user_id)

    async def update_workspace_member(self, scope: Scope, user_id: str, role: str) -> Member:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            row, user = await self._workspace_member(session, scope, user_id)
            await self._check_workspace_grant(session, scope, row.role)
            await self._check_workspace_grant(session, scope, role)
            old, row.role = row.role, role
            audit.record(
                session,
                "member.update",
                organization_id=scope.organization_id,
                resource=f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/members/{user_id}",
                details={"old_role": old, "new_role": role},
            )
            return Member(user, role, row.created_at)

    async def remove_workspace_member(self, scope: Scope, user_id: str) -> None:
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(user_id)
            row, _ = await self._workspace_member(session, scope, user_id)
            await self._check_workspace_grant(session, scope, row.role)
            await session.delete(row)
            audit.record(
                session,
                "member.remove",
                organization_id=scope.organization_id,
                resource=f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/members/{user_id}",
            )

    # ---- invitations ----------------------------------------------------------------------

    async def create_invitation(
        self,
        scope: Scope,
        email: str,
        wallet_address: str,
        role: str,
        grants: list[tuple[str, str]],
        request_id: str,
    ) -> tuple[Invitation, str]:
        """The invitation and its secret token (shown once). ``grants``: (workspace name, role)."""
        principal = current().principal
        if bool(email) == bool(wallet_address):
            raise InvalidArgument.field(
                "invitation.email", "set exactly one of email and wallet_address"
            )
        if email:
            email = emails.normalize(email, "invitation.email")
        request = idempotency.fingerprint(
            resources.ORGANIZATION.name(scope.organization_id), email, wallet_address, role, grants
        )
        async with self._sessions() as session, session.begin():
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:
                return await self._invitation(session, scope, earlier.rsplit("/", 1)[1]), ""
            actor_rank = ORGANIZATION_ROLE_RANK[
                await self.org_role(session, scope.organization_id, principal.id)
            ]
            self._outranks_check(actor_rank, ORGANIZATION_ROLE_RANK[role], "invited role")
            workspace_grants = []
            for i, (workspace, ws_role) in enumerate(grants):
                field = f"invitation.workspaces[{i}].workspace"
                org_id, ws_id = resources.WORKSPACE.parse(workspace, field)
                ws = await session.get(Workspace, ws_id)
                if org_id != scope.organization_id or ws is None or ws.organization_id != org_id:
                    raise InvalidArgument.field(field, "is not a workspace of this organization")
                workspace_grants.append({"workspace_id": ws_id, "role": ws_role})
            pending = await session.scalar(
                select(func.count()).where(
                    Invitation.organization_id == scope.organization_id,
                    Invitation.state == "pending",
                    Invitation.expires_at > datetime.now(UTC),
                    Invitation.email == email,
                    Invitation.wallet_address == wallet_address,
                )
            )
            if pending:
                raise AlreadyExists(
                    "INVITATION_PENDING", "a pending invitation for this person exists"
                )
            token = new_secret()
            invitation = Invitation(
                organization_id=scope.organization_id,
                email=email,
                wallet_address=wallet_address,
                role=role,
                workspace_grants=workspace_grants,
                token_hash=hash_secret(token),
                inviter_id=principal.id,
                expires_at=datetime.now(UTC) + INVITATION_TTL,
            )
            session.add(invitation)
            await session.flush()
            name = invitation_name(invitation)
            idempotency.remember(session, request_id, request, name)
            audit.record(
                session,
                "invitation.create",
                organization_id=scope.organization_id,
                resource=name,
                details={"role": role, "workspaces": str(len(workspace_grants))},
            )
        return invitation, token

    @staticmethod
    async def _invitation(session, scope: Scope, invitation_id: str) -> Invitation:
        row = await session.get(Invitation, invitation_id)
        if row is None or row.organization_id != scope.organization_id:
            raise not_found(
                f"{resources.ORGANIZATION.name(scope.organization_id)}/invitations/{invitation_id}"
            )
        return row

    async def list_invitations(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[Invitation], str]:
        query_id = ("invitations", scope.organization_id)
        query = select(Invitation).where(Invitation.organization_id == scope.organization_id)
        async with self._sessions() as session:
            rows = list(
                (
                    await session.execute(
                        pagination.keyset(query, Invitation.id, size, token, query_id)
                    )
                ).scalars()
            )
        return pagination.page(rows, size, lambda r: r.id, query_id)

    async def revoke_invitation(self, scope: Scope, invitation_id: str) -> Invitation:
        async with self._sessions() as session, session.begin():
            row = await self._invitation(session, scope, invitation_id)
            if invitation_state(row) != "pending":
                raise FailedPrecondition(
                    "INVITATION_NOT_PENDING", f"the invitation is {invitation_state(row)}"
                )
            row.state = "revoked"
            audit.record(
                session,
                "invitation.revoke",
                organization_id=scope.organization_id,
                resource=invitation_name(row),
            )
        return row

    async def accept_invitation(self, token: str) -> Member:
        principal = current().principal
        async with self._stamps.transaction(self._sessions) as (session, changed):
            changed.users.add(principal.id)
            invitation = await session.scalar(
                select(Invitation).where(Invitation.token_hash == hash_secret(token))
            )
            if invitation is None:
                raise not_found("invitations/" + "…")
            state = invitation_state(invitation)
            if state != "pending":
                raise FailedPrecondition(
                    f"INVITATION_{state.upper()}", f"the invitation is {state}"
                )
            if not await self._addressed_to(session, invitation, principal.id):
                raise PermissionDenied(
                    "INVITATION_NOT_FOR_YOU",
                    "this invitation is addressed to another email or wallet",
                )
            scope = Scope(invitation.organization_id)
            if await self.org_role(session, scope.organization_id, principal.id) is not None:
                raise AlreadyExists("ALREADY_MEMBER", "you already belong to this organization")
            membership = OrganizationMembership(
                organization_id=scope.organization_id, user_id=principal.id, role=invitation.role
            )
            session.add(membership)
            for grant in invitation.workspace_grants:
                if await session.get(Workspace, grant["workspace_id"]) is not None:  # may be gone
                    session.add(
                        WorkspaceMembership(
                            workspace_id=grant["workspace_id"],
                            user_id=principal.id,
                            organization_id=scope.organization_id,
                            role=grant["role"],
                        )
                    )
            invitation.state = "accepted"
            await session.flush()
            audit.record(
                session,
                "invitation.accept",
                organization_id=scope.organization_id,
                resource=invitation_name(invitation),
                details={"role": invitation.role},
            )
            user = await session.get(User, principal.id)
            return Member(user, invitation.role, membership.created_at, scope.organization_id)

    @staticmethod
    async def _addressed_to(session, invitation: Invitation, user_id: str) -> bool:
        subjects = list(
            (
                await session.execute(select(Identity.subject).where(Identity.user_id == user_id))
            ).scalars()
        )
        if invitation.email:
            return invitation.email.lower() in subjects
        wanted = invitation.wallet_address
        return any(
            s == wanted or (s.startswith("0x") and s.lower() == wanted.lower()) for s in subjects
        )

    # ---- audit ----------------------------------------------------------------------------

    async def list_audit_events(
        self,
        scope: Scope,
        actor: str,
        action: str,
        resource: str,
        start: datetime | None,
        end: datetime | None,
        size: int,
        token: str,
    ) -> tuple[list[AuditEvent], str]:
        """Newest first, filtered; only this organization's events."""
        query_id = ("audit", scope.organization_id, actor, action, resource, start, end)
        before = pagination.decode(token, query_id)
        query = select(AuditEvent).where(AuditEvent.organization_id == scope.organization_id)
        if actor:
            query = query.where(AuditEvent.actor == actor)
        if action:
            query = query.where(
                or_(AuditEvent.action == action, AuditEvent.action.startswith(action + "."))
            )
        if resource:
            query = query.where(AuditEvent.resource == resource)
        if start:
            query = query.where(AuditEvent.created_at >= start)
        if end:
            query = query.where(AuditEvent.created_at < end)
        if before:
            query = query.where(AuditEvent.id < before)
        async with self._sessions() as session:
            rows = list(
                (
                    await session.execute(query.order_by(AuditEvent.id.desc()).limit(size + 1))
                ).scalars()
            )
        return pagination.page(rows, size, lambda r: r.id, query_id)


def invitation_name(row: Invitation) -> str:
    return f"{resources.ORGANIZATION.name(row.organization_id)}/invitations/{row.id}"


def invitation_state(row: Invitation) -> str:
    if row.state == "pending" and row.expires_at <= datetime.now(UTC):
        return "expired"
    return row.state
