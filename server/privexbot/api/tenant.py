"""TenantService: unpack the request, call ``tenancy``, pack the response."""

from __future__ import annotations

from functools import partial

from privexbot.api import standard
from privexbot.api.convert import (
    ORGANIZATION_ROLES,
    WORKSPACE_ROLES,
    enum_names,
    from_timestamp,
    pack,
    timestamp,
)
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, not_found
from privexbot.tenancy.audit_log import AuditFilter
from privexbot.tenancy.custom_roles import BUILT_IN, RoleView
from privexbot.tenancy.invitations import InvitationView
from privexbot.tenancy.members import MemberView
from privexbot.tenancy.organizations import OrganizationView
from privexbot.tenancy.roles import CUSTOM
from privexbot.tenancy.workspaces import WorkspaceView
from privexbot.v1 import common_pb2, tenant_pb2, tenant_pb2_grpc

PLANS = enum_names(common_pb2.Plan)


def organization_message(org: OrganizationView) -> tenant_pb2.Organization:
    return pack(tenant_pb2.Organization, org)


def workspace_message(ws: WorkspaceView) -> tenant_pb2.Workspace:
    return pack(tenant_pb2.Workspace, ws)


def member_message(message_type, m: MemberView):
    """An OrganizationMember or a WorkspaceMember."""
    return pack(message_type, m, user=resources.USER.name(m.user_id))


def invitation_message(i: InvitationView) -> tenant_pb2.Invitation:
    return pack(
        tenant_pb2.Invitation,
        i,
        workspaces=[
            tenant_pb2.Invitation.WorkspaceGrant(
                workspace=resources.WORKSPACE.name(i.organization_id, workspace_id),
                role=WORKSPACE_ROLES.number(role),
            )
            for workspace_id, role in i.workspace_grants
        ],
        inviter=resources.USER.name(i.inviter_id) if i.inviter_id else "",
    )


def role_message(r: RoleView) -> tenant_pb2.Role:
    return pack(tenant_pb2.Role, r)


def _workspace_role(member: tenant_pb2.WorkspaceMember) -> tuple[str, str | None]:
    """The (role, custom role id) a WorkspaceMember asks for; its custom role (named when,
    and only when, its role is WORKSPACE_ROLE_CUSTOM) is one of the call's organization."""
    role = WORKSPACE_ROLES.name(member.role, "member.role")
    if role != CUSTOM:
        if member.custom_role:
            raise InvalidArgument.field(
                "member.custom_role", "must be empty unless role is WORKSPACE_ROLE_CUSTOM"
            )
        return role, None
    if not member.custom_role:
        raise InvalidArgument.field(
            "member.custom_role", "is required when role is WORKSPACE_ROLE_CUSTOM"
        )
    org_id, role_id = resources.ROLE.parse(member.custom_role, "member.custom_role")
    if org_id != current().scope.organization_id:
        raise not_found(member.custom_role)
    if role_id in BUILT_IN:
        raise InvalidArgument.field(
            "member.custom_role", "must name a custom role; give built-in roles with role"
        )
    return role, role_id


def _builtin_workspace_role(number: int, field: str) -> str:
    role = WORKSPACE_ROLES.name(number, field)
    if role == CUSTOM:
        raise InvalidArgument.field(
            field, "custom roles are given to members (UpdateWorkspaceMember), not invitations"
        )
    return role


class TenantApi(tenant_pb2_grpc.TenantServiceServicer):
    def __init__(self, platform) -> None:
        self.organizations, self.workspaces = platform.organizations, platform.workspaces
        self.members, self.invitations = platform.members, platform.invitations
        self.audit_log, self.usage = platform.audit_log, platform.usage
        self.billing = platform.billing
        self.sign_in_sessions = platform.sign_in_sessions
        self.custom_roles = platform.custom_roles

    # organizations

    async def CreateOrganization(self, request, context):
        o = request.organization
        org = await self.organizations.create(
            o.display_name, o.billing_email, dict(o.settings), request.request_id
        )
        return organization_message(org)

    GetOrganization = standard.get("organizations", organization_message, resources.ORGANIZATION)

    async def ListOrganizations(self, request, context):
        return await standard.listed(
            tenant_pb2.ListOrganizationsResponse,
            organization_message,
            self.organizations.list,
            request,
        )

    UpdateOrganization = standard.update(
        "organization", "organizations", organization_message, resources.ORGANIZATION
    )

    DeleteOrganization = standard.delete("organizations", resources.ORGANIZATION)

    # workspaces

    async def CreateWorkspace(self, request, context):
        w = request.workspace
        ws = await self.workspaces.create(
            current().scope, w.display_name, w.description, request.request_id
        )
        return workspace_message(ws)

    GetWorkspace = standard.get("workspaces", workspace_message, resources.WORKSPACE)

    ListWorkspaces = standard.list_(
        tenant_pb2.ListWorkspacesResponse, "workspaces", workspace_message
    )

    UpdateWorkspace = standard.update(
        "workspace", "workspaces", workspace_message, resources.WORKSPACE
    )

    DeleteWorkspace = standard.delete("workspaces", resources.WORKSPACE)

    # members

    ListOrganizationMembers = standard.list_(
        tenant_pb2.ListOrganizationMembersResponse,
        "members",
        partial(member_message, tenant_pb2.OrganizationMember),
        lister="list_organization",
    )

    async def UpdateOrganizationMember(self, request, context):
        if list(request.update_mask.paths) != ["role"]:
            raise InvalidArgument.field("update_mask", "only role can be changed")
        user_id = resources.ORGANIZATION_MEMBER.id_of(request.member.name, "member.name")
        role = ORGANIZATION_ROLES.name(request.member.role, "member.role")
        member = await self.members.update_organization_member(current().scope, user_id, role)
        return member_message(tenant_pb2.OrganizationMember, member)

    RemoveOrganizationMember = standard.delete(
        "members", resources.ORGANIZATION_MEMBER, deleter="remove_organization_member"
    )

    ListWorkspaceMembers = standard.list_(
        tenant_pb2.ListWorkspaceMembersResponse,
        "members",
        partial(member_message, tenant_pb2.WorkspaceMember),
        lister="list_workspace",
    )

    async def AddWorkspaceMember(self, request, context):
        if not request.member.user:
            raise InvalidArgument.field("member.user", "is required")
        user_id = resources.USER.id_of(request.member.user, "member.user")
        member = await self.members.add_workspace_member(
            current().scope, user_id, *_workspace_role(request.member)
        )
        return member_message(tenant_pb2.WorkspaceMember, member)

    async def UpdateWorkspaceMember(self, request, context):
        """The role changes (update_mask: role, with custom_role for a custom role)."""
        if set(request.update_mask.paths) not in ({"role"}, {"role", "custom_role"}):
            raise InvalidArgument.field(
                "update_mask", "only role (and custom_role with it) can be changed"
            )
        user_id = resources.WORKSPACE_MEMBER.id_of(request.member.name, "member.name")
        member = await self.members.update_workspace_member(
            current().scope, user_id, *_workspace_role(request.member)
        )
        return member_message(tenant_pb2.WorkspaceMember, member)

    RemoveWorkspaceMember = standard.delete(
        "members", resources.WORKSPACE_MEMBER, deleter="remove_workspace_member"
    )

    # custom roles

    async def CreateRole(self, request, context):
        r = request.role
        role = await self.custom_roles.create(
            current().scope, r.display_name, r.description, list(r.permissions), request.request_id
        )
        return role_message(role)

    GetRole = standard.get("custom_roles", role_message, resources.ROLE)

    ListRoles = standard.list_(tenant_pb2.ListRolesResponse, "custom_roles", role_message)

    UpdateRole = standard.update("role", "custom_roles", role_message, resources.ROLE)

    DeleteRole = standard.delete("custom_roles", resources.ROLE)

    # invitations

    async def CreateInvitation(self, request, context):
        i = request.invitation
        grants = [
            (g.workspace, _builtin_workspace_role(g.role, f"invitation.workspaces[{n}].role"))
            for n, g in enumerate(i.workspaces)
        ]
        invitation = await self.invitations.create(
            current().scope,
            i.email,
            i.wallet_address.strip(),
            ORGANIZATION_ROLES.name(i.role, "invitation.role"),
            grants,
            request.request_id,
        )
        return invitation_message(invitation)

    ListInvitations = standard.list_(
        tenant_pb2.ListInvitationsResponse, "invitations", invitation_message
    )

    async def AcceptInvitation(self, request, context):
        return member_message(
            tenant_pb2.OrganizationMember, await self.invitations.accept(request.token)
        )

    RevokeInvitation = standard.custom(
        "invitations", "revoke", invitation_message, resources.INVITATION
    )

    # context, audit, usage

    async def SwitchContext(self, request, context):
        org_id = resources.ORGANIZATION.id_of(request.organization, "organization")
        ws_id = None
        if request.workspace:
            ws_org, ws_id = resources.WORKSPACE.parse(request.workspace, "workspace")
            if ws_org != org_id:
                raise InvalidArgument.field("workspace", "must be inside the organization")
        token, expires, org_id, ws_id = await self.sign_in_sessions.switch_context(
            current().principal, org_id, ws_id
        )
        return tenant_pb2.SwitchContextResponse(
            access_token=token,
            access_token_expire_time=timestamp(expires),
            organization=resources.ORGANIZATION.name(org_id),
            workspace=resources.WORKSPACE.name(org_id, ws_id),
        )

    async def ListAuditEvents(self, request, context):
        only = AuditFilter(
            request.actor,
            request.action,
            request.resource,
            from_timestamp(request, "start_time"),
            from_timestamp(request, "end_time"),
        )
        return await standard.listed(
            tenant_pb2.ListAuditEventsResponse,
            partial(pack, tenant_pb2.AuditEvent),
            self.audit_log.list,
            request,
            current().scope,
            only,
        )

    async def ListMyAuditEvents(self, request, context):
        principal = current().principal
        if resources.USER.id_of(request.parent, "parent") != principal.id:
            raise not_found(request.parent)
        return await standard.listed(
            tenant_pb2.ListAuditEventsResponse,
            partial(pack, tenant_pb2.AuditEvent),
            self.audit_log.of_actor,
            request,
            request.parent,
            AuditFilter(action=request.action),
        )

    async def ChangePlan(self, request, context):
        scope = current().scope
        await self.billing.change_plan(scope, PLANS.name(request.plan, "plan"))
        return organization_message(await self.organizations.get(scope))

    async def GetTokenUsage(self, request, context):
        scope = current().scope
        start, end, rows = await self.usage.tokens(
            scope, from_timestamp(request, "start_time"), from_timestamp(request, "end_time")
        )
        row = tenant_pb2.TokenUsageReport.Row
        return tenant_pb2.TokenUsageReport(
            name=request.name,
            start_time=timestamp(start),
            end_time=timestamp(end),
            rows=[
                row(
                    workspace=resources.WORKSPACE.name(scope.organization_id, r.workspace_id),
                    source=r.source,
                    model=r.model,
                    prompt_tokens=r.prompt_tokens,
                    completion_tokens=r.completion_tokens,
                    completions=r.completions,
                )
                for r in rows
            ],
        )

    async def GetUsage(self, request, context):
        usage = await self.usage.of(current().scope)
        counter = tenant_pb2.Usage.Counter
        limits = usage.limits
        return tenant_pb2.Usage(
            name=request.name,
            plan=PLANS.number(usage.plan),
            trial_end_time=timestamp(usage.trial_ends_at),
            workspaces=counter(used=usage.workspaces, limit=limits.workspaces),
            chatbots=counter(used=usage.chatbots, limit=limits.chatbots),
            messages_this_month=counter(
                used=usage.messages_this_month, limit=limits.messages_per_month
            ),
            chatflows=counter(used=usage.chatflows, limit=limits.chatflows),
            knowledge_bases=counter(used=usage.knowledge_bases, limit=limits.knowledge_bases),
            tokens_this_month=counter(used=usage.tokens_this_month, limit=limits.tokens_per_month),
        )
