"""TenantService: unpack the request, call ``tenancy``, pack the response."""

from __future__ import annotations

from google.protobuf import empty_pb2

from privexbot.api.convert import from_timestamp, timestamp
from privexbot.kernel import pagination, resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument
from privexbot.store import models
from privexbot.tenancy import service
from privexbot.v1 import tenant_pb2, tenant_pb2_grpc

ORG_ROLES = {"owner": 1, "admin": 2, "member": 3}
WS_ROLES = {"admin": 1, "editor": 2, "viewer": 3}
ORG_ROLE_NAMES = {v: k for k, v in ORG_ROLES.items()}
WS_ROLE_NAMES = {v: k for k, v in WS_ROLES.items()}
PLANS = {"free": 1, "starter": 2, "pro": 3, "enterprise": 4}
INVITATION_STATES = {"pending": 1, "accepted": 2, "revoked": 3, "expired": 4}


def org_role(value: int, field: str) -> str:
    if value not in ORG_ROLE_NAMES:
        raise InvalidArgument.field(field, "must be an organization role")
    return ORG_ROLE_NAMES[value]


def ws_role(value: int, field: str) -> str:
    if value not in WS_ROLE_NAMES:
        raise InvalidArgument.field(field, "must be a workspace role")
    return WS_ROLE_NAMES[value]


def organization_message(org: models.Organization, role: str) -> tenant_pb2.Organization:
    return tenant_pb2.Organization(
        name=resources.ORGANIZATION.name(org.id),
        display_name=org.display_name,
        billing_email=org.billing_email,
        plan=PLANS[org.plan],
        trial_end_time=timestamp(org.trial_ends_at),
        settings=org.settings,
        role=ORG_ROLES.get(role, 0),
        create_time=timestamp(org.created_at),
        update_time=timestamp(org.updated_at),
        etag=service.etag(org),
    )


def workspace_message(ws: models.Workspace, role: str) -> tenant_pb2.Workspace:
    return tenant_pb2.Workspace(
        name=resources.WORKSPACE.name(ws.organization_id, ws.id),
        display_name=ws.display_name,
        description=ws.description,
        default=ws.is_default,
        role=WS_ROLES.get(role, 0),
        create_time=timestamp(ws.created_at),
        update_time=timestamp(ws.updated_at),
        etag=service.etag(ws),
    )


def org_member_message(scope: resources.Scope, m: service.Member) -> tenant_pb2.OrganizationMember:
    return tenant_pb2.OrganizationMember(
        name=f"{resources.ORGANIZATION.name(scope.organization_id)}/members/{m.user.id}",
        user=resources.USER.name(m.user.id),
        email=m.user.email or "",
        display_name=m.user.display_name,
        role=ORG_ROLES[m.role],
        create_time=timestamp(m.created_at),
    )


def ws_member_message(scope: resources.Scope, m: service.Member) -> tenant_pb2.WorkspaceMember:
    return tenant_pb2.WorkspaceMember(
        name=f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/members/{m.user.id}",
        user=resources.USER.name(m.user.id),
        email=m.user.email or "",
        display_name=m.user.display_name,
        role=WS_ROLES[m.role],
        create_time=timestamp(m.created_at),
    )


def invitation_message(row: models.Invitation, token: str = "") -> tenant_pb2.Invitation:
    return tenant_pb2.Invitation(
        name=service.invitation_name(row),
        email=row.email,
        wallet_address=row.wallet_address,
        role=ORG_ROLES[row.role],
        workspaces=[
            tenant_pb2.Invitation.WorkspaceGrant(
                workspace=resources.WORKSPACE.name(row.organization_id, g["workspace_id"]),
                role=WS_ROLES[g["role"]],
            )
            for g in row.workspace_grants
        ],
        state=INVITATION_STATES[service.invitation_state(row)],
        inviter=resources.USER.name(row.inviter_id) if row.inviter_id else "",
        create_time=timestamp(row.created_at),
        expire_time=timestamp(row.expires_at),
        token=token,
    )


class TenantApi(tenant_pb2_grpc.TenantServiceServicer):
    def __init__(self, platform) -> None:
        self.tenancy = platform.tenancy
        self.accounts = platform.accounts

    # organizations

    async def CreateOrganization(self, request, context):
        o = request.organization
        org, role = await self.tenancy.create_organization(
            o.display_name, o.billing_email, dict(o.settings), request.request_id
        )
        return organization_message(org, role)

    async def GetOrganization(self, request, context):
        return organization_message(*await self.tenancy.get_organization(current().scope))

    async def ListOrganizations(self, request, context):
        rows, token = await self.tenancy.list_organizations(
            pagination.page_size(request.page_size), request.page_token
        )
        return tenant_pb2.ListOrganizationsResponse(
            organizations=[organization_message(*r) for r in rows], next_page_token=token
        )

    async def UpdateOrganization(self, request, context):
        o = request.organization
        values = {
            "display_name": o.display_name,
            "billing_email": o.billing_email,
            "settings": dict(o.settings),
        }
        org, role = await self.tenancy.update_organization(
            current().scope, values, list(request.update_mask.paths), o.etag
        )
        return organization_message(org, role)

    async def DeleteOrganization(self, request, context):
        await self.tenancy.delete_organization(current().scope, request.etag)
        return empty_pb2.Empty()

    # workspaces

    async def CreateWorkspace(self, request, context):
        w = request.workspace
        ws, role = await self.tenancy.create_workspace(
            current().scope, w.display_name, w.description, request.request_id
        )
        return workspace_message(ws, role)

    async def GetWorkspace(self, request, context):
        return workspace_message(*await self.tenancy.get_workspace(current().scope))

    async def ListWorkspaces(self, request, context):
        rows, token = await self.tenancy.list_workspaces(
            current().scope, pagination.page_size(request.page_size), request.page_token
        )
        return tenant_pb2.ListWorkspacesResponse(
            workspaces=[workspace_message(*r) for r in rows], next_page_token=token
        )

    async def UpdateWorkspace(self, request, context):
        w = request.workspace
        ws, role = await self.tenancy.update_workspace(
            current().scope,
            {"display_name": w.display_name, "description": w.description},
            list(request.update_mask.paths),
            w.etag,
        )
        return workspace_message(ws, role)

    async def DeleteWorkspace(self, request, context):
        await self.tenancy.delete_workspace(current().scope, request.etag)
        return empty_pb2.Empty()

    # members

    async def ListOrganizationMembers(self, request, context):
        scope = current().scope
        rows, token = await self.tenancy.list_organization_members(
            scope, pagination.page_size(request.page_size), request.page_token
        )
        return tenant_pb2.ListOrganizationMembersResponse(
            members=[org_member_message(scope, m) for m in rows], next_page_token=token
        )

    async def UpdateOrganizationMember(self, request, context):
        scope = current().scope
        if list(request.update_mask.paths) != ["role"]:
            raise InvalidArgument.field("update_mask", "only role can be changed")
        user_id = resources.ORGANIZATION_MEMBER.id_of(request.member.name, "member.name")
        member = await self.tenancy.update_organization_member(
            scope, user_id, org_role(request.member.role, "member.role")
        )
        return org_member_message(scope, member)

    async def RemoveOrganizationMember(self, request, context):
        user_id = resources.ORGANIZATION_MEMBER.id_of(request.name, "name")
        await self.tenancy.remove_organization_member(current().scope, user_id)
        return empty_pb2.Empty()

    async def ListWorkspaceMembers(self, request, context):
        scope = current().scope
        rows, token = await self.tenancy.list_workspace_members(
            scope, pagination.page_size(request.page_size), request.page_token
        )
        return tenant_pb2.ListWorkspaceMembersResponse(
            members=[ws_member_message(scope, m) for m in rows], next_page_token=token
        )

    async def AddWorkspaceMember(self, request, context):
        scope = current().scope
        if not request.member.user:
            raise InvalidArgument.field("member.user", "is required")
        user_id = resources.USER.parse(request.member.user, "member.user")[0]
        member = await self.tenancy.add_workspace_member(
            scope, user_id, ws_role(request.member.role, "member.role")
        )
        return ws_member_message(scope, member)

    async def UpdateWorkspaceMember(self, request, context):
        scope = current().scope
        if list(request.update_mask.paths) != ["role"]:
            raise InvalidArgument.field("update_mask", "only role can be changed")
        user_id = resources.WORKSPACE_MEMBER.id_of(request.member.name, "member.name")
        member = await self.tenancy.update_workspace_member(
            scope, user_id, ws_role(request.member.role, "member.role")
        )
        return ws_member_message(scope, member)

    async def RemoveWorkspaceMember(self, request, context):
        user_id = resources.WORKSPACE_MEMBER.id_of(request.name, "name")
        await self.tenancy.remove_workspace_member(current().scope, user_id)
        return empty_pb2.Empty()

    # invitations

    async def CreateInvitation(self, request, context):
        i = request.invitation
        grants = [
            (g.workspace, ws_role(g.role, f"invitation.workspaces[{n}].role"))
            for n, g in enumerate(i.workspaces)
        ]
        row, token = await self.tenancy.create_invitation(
            current().scope,
            i.email,
            i.wallet_address.strip(),
            org_role(i.role, "invitation.role"),
            grants,
            request.request_id,
        )
        return invitation_message(row, token)

    async def ListInvitations(self, request, context):
        rows, token = await self.tenancy.list_invitations(
            current().scope, pagination.page_size(request.page_size), request.page_token
        )
        return tenant_pb2.ListInvitationsResponse(
            invitations=[invitation_message(r) for r in rows], next_page_token=token
        )

    async def AcceptInvitation(self, request, context):
        member = await self.tenancy.accept_invitation(request.token)
        return org_member_message(resources.Scope(member.organization_id), member)

    async def RevokeInvitation(self, request, context):
        invitation_id = resources.INVITATION.id_of(request.name, "name")
        return invitation_message(
            await self.tenancy.revoke_invitation(current().scope, invitation_id)
        )

    # context, audit, usage

    async def SwitchContext(self, request, context):
        org_id = resources.ORGANIZATION.parse(request.organization, "organization")[0]
        ws_id = None
        if request.workspace:
            ws_org, ws_id = resources.WORKSPACE.parse(request.workspace, "workspace")
            if ws_org != org_id:
                raise InvalidArgument.field("workspace", "must be inside the organization")
        token, expires, org_id, ws_id = await self.accounts.switch_context(
            current().principal, org_id, ws_id
        )
        return tenant_pb2.SwitchContextResponse(
            access_token=token,
            access_token_expire_time=timestamp(expires),
            organization=resources.ORGANIZATION.name(org_id),
            workspace=resources.WORKSPACE.name(org_id, ws_id),
        )

    async def ListAuditEvents(self, request, context):
        rows, token = await self.tenancy.list_audit_events(
            current().scope,
            request.actor,
            request.action,
            request.resource,
            from_timestamp(request, "start_time"),
            from_timestamp(request, "end_time"),
            pagination.page_size(request.page_size),
            request.page_token,
        )
        return tenant_pb2.ListAuditEventsResponse(
            audit_events=[
                tenant_pb2.AuditEvent(
                    name=f"{resources.ORGANIZATION.name(r.organization_id)}/auditEvents/{r.id}",
                    actor=r.actor,
                    action=r.action,
                    resource=r.resource,
                    event_time=timestamp(r.created_at),
                    client_ip=r.client_ip,
                    request_id=r.request_id,
                    details=r.details,
                )
                for r in rows
            ],
            next_page_token=token,
        )

    async def GetUsage(self, request, context):
        usage = await self.tenancy.usage(current().scope)
        counter = tenant_pb2.Usage.Counter
        limits = usage.limits
        return tenant_pb2.Usage(
            name=request.name,
            plan=PLANS[usage.plan],
            trial_end_time=timestamp(usage.trial_ends_at),
            workspaces=counter(used=usage.workspaces, limit=limits.workspaces),
            chatbots=counter(used=usage.chatbots, limit=limits.chatbots),
            messages_this_month=counter(
                used=usage.messages_this_month, limit=limits.messages_per_month
            ),
            chatflows=counter(used=usage.chatflows, limit=limits.chatflows),
            knowledge_bases=counter(used=usage.knowledge_bases, limit=limits.knowledge_bases),
        )
