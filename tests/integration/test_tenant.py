"""TenantService over the real server: organizations, workspaces, members, invitations,
context switching, plan limits, audit."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf import field_mask_pb2
from helpers import join, raises, sign_up
from sqlalchemy import event, select, update

from privexbot.store.models import Invitation, Organization, User, WorkspaceMembership
from privexbot.v1 import auth_pb2, common_pb2, tenant_pb2

OWNER, ADMIN, MEMBER = (
    common_pb2.ORGANIZATION_ROLE_OWNER,
    common_pb2.ORGANIZATION_ROLE_ADMIN,
    common_pb2.ORGANIZATION_ROLE_MEMBER,
)
WS_ADMIN, EDITOR, VIEWER = (
    common_pb2.WORKSPACE_ROLE_ADMIN,
    common_pb2.WORKSPACE_ROLE_EDITOR,
    common_pb2.WORKSPACE_ROLE_VIEWER,
)


def mask(*paths):
    return field_mask_pb2.FieldMask(paths=paths)


def org_id(name: str) -> str:
    return name.split("/")[1]


async def user_id_of(platform, email: str) -> str:
    async with platform.sessions() as session:
        return (await session.execute(select(User.id).where(User.email == email))).scalar_one()


def renaming(workspace: str) -> tenant_pb2.UpdateWorkspaceRequest:
    """An edit that needs workspace admin."""
    return tenant_pb2.UpdateWorkspaceRequest(
        workspace=tenant_pb2.Workspace(name=workspace, display_name="Bob's"),
        update_mask=mask("display_name"),
    )


async def set_workspace_role(owner, workspace: str, email: str, role: int) -> str:
    """Give the member with ``email`` ``role`` in ``workspace``; their membership's name."""
    members = await owner.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=workspace)
    )
    member = next(m for m in members.members if m.email == email)
    await owner.tenant.UpdateWorkspaceMember(
        tenant_pb2.UpdateWorkspaceMemberRequest(
            member=tenant_pb2.WorkspaceMember(name=member.name, role=role),
            update_mask=mask("role"),
        )
    )
    return member.name


async def test_organization_lifecycle(client_factory):
    owner = client_factory()
    await sign_up(owner)
    request = tenant_pb2.CreateOrganizationRequest(
        organization=tenant_pb2.Organization(display_name="Acme", settings={"locale": "en"}),
        request_id="org-1",
    )
    org = await owner.tenant.CreateOrganization(request)
    assert (await owner.tenant.CreateOrganization(request)).name == org.name  # idempotent
    assert org.role == OWNER and org.plan == common_pb2.PLAN_FREE and org.HasField("trial_end_time")
    listed = await owner.tenant.ListOrganizations(tenant_pb2.ListOrganizationsRequest(page_size=1))
    assert len(listed.organizations) == 1 and listed.next_page_token
    rest = await owner.tenant.ListOrganizations(
        tenant_pb2.ListOrganizationsRequest(page_size=1, page_token=listed.next_page_token)
    )
    assert {o.name for o in [*listed.organizations, *rest.organizations]} >= {org.name}

    changed = await owner.tenant.UpdateOrganization(
        tenant_pb2.UpdateOrganizationRequest(
            organization=tenant_pb2.Organization(
                name=org.name, display_name="Acme Inc", etag=org.etag
            ),
            update_mask=mask("display_name"),
        )
    )
    assert changed.display_name == "Acme Inc" and changed.settings == {"locale": "en"}
    assert changed.etag != org.etag
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await owner.tenant.UpdateOrganization(
            tenant_pb2.UpdateOrganizationRequest(
                organization=tenant_pb2.Organization(
                    name=org.name, display_name="Stale", etag=org.etag
                ),
                update_mask=mask("display_name"),
            )
        )
    for privileged in ("plan", "role", "name", "trial_end_time"):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"update_mask"}):
            await owner.tenant.UpdateOrganization(
                tenant_pb2.UpdateOrganizationRequest(
                    organization=tenant_pb2.Organization(name=org.name, display_name="x", plan=4),
                    update_mask=mask(privileged),
                )
            )

    await owner.tenant.DeleteOrganization(tenant_pb2.DeleteOrganizationRequest(name=org.name))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.tenant.GetOrganization(tenant_pb2.GetOrganizationRequest(name=org.name))


async def test_deleting_an_organization_cascades(client_factory):
    owner = client_factory()
    user = await sign_up(owner)
    key = await owner.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=user.workspace,
            api_key=auth_pb2.ApiKey(display_name="k", permissions=["apikey.read"]),
        )
    )
    await owner.tenant.DeleteOrganization(
        tenant_pb2.DeleteOrganizationRequest(name=user.organization)
    )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID"):
        await client_factory(api_key=key.key).auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=user.workspace)
        )
    me = await owner.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    assert me.memberships == []


async def test_workspaces_within_plan_limits_and_downgrade_keeps_data(client_factory, stack):
    owner = client_factory()
    user = await sign_up(owner)
    created = []
    for n in range(2):  # the trial allows 3 workspaces (Starter): the default + 2
        created.append(
            await owner.tenant.CreateWorkspace(
                tenant_pb2.CreateWorkspaceRequest(
                    parent=user.organization, workspace=tenant_pb2.Workspace(display_name=f"ws{n}")
                )
            )
        )
    assert created[0].role == WS_ADMIN and not created[0].default
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED") as info:
        await owner.tenant.CreateWorkspace(
            tenant_pb2.CreateWorkspaceRequest(
                parent=user.organization,
                workspace=tenant_pb2.Workspace(display_name="one too many"),
            )
        )
    assert info.details.metadata == {"limit": "workspaces", "max": "3", "plan": "free"}

    async with stack.running.platform.sessions() as session, session.begin():  # trial ends
        await session.execute(
            update(Organization)
            .where(Organization.id == org_id(user.organization))
            .values(trial_ends_at=datetime.now(UTC) - timedelta(days=1))
        )
    usage = await owner.tenant.GetUsage(
        tenant_pb2.GetUsageRequest(name=f"{user.organization}/usage")
    )
    assert (usage.workspaces.used, usage.workspaces.limit) == (3, 1)
    assert usage.messages_this_month.limit == 100 and usage.chatbots.limit == 2
    listed = await owner.tenant.ListWorkspaces(
        tenant_pb2.ListWorkspacesRequest(parent=user.organization)
    )
    assert len(listed.workspaces) == 3  # nothing was deleted
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED"):
        await owner.tenant.CreateWorkspace(
            tenant_pb2.CreateWorkspaceRequest(
                parent=user.organization, workspace=tenant_pb2.Workspace(display_name="blocked")
            )
        )
    await owner.tenant.DeleteWorkspace(tenant_pb2.DeleteWorkspaceRequest(name=created[1].name))
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "DEFAULT_WORKSPACE"):
        await owner.tenant.DeleteWorkspace(tenant_pb2.DeleteWorkspaceRequest(name=user.workspace))
    renamed = await owner.tenant.UpdateWorkspace(
        tenant_pb2.UpdateWorkspaceRequest(
            workspace=tenant_pb2.Workspace(
                name=created[0].name, display_name="Support", etag=created[0].etag
            ),
            update_mask=mask("display_name"),
        )
    )
    assert renamed.display_name == "Support"
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"update_mask"}):
        await owner.tenant.UpdateWorkspace(
            tenant_pb2.UpdateWorkspaceRequest(
                workspace=tenant_pb2.Workspace(name=created[0].name, display_name="x"),
                update_mask=mask("default"),
            )
        )


async def test_invite_accept_change_role_switch_context_remove(client_factory):
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    orgs = await bob.tenant.ListOrganizations(tenant_pb2.ListOrganizationsRequest())
    assert {(x.name, x.role) for x in orgs.organizations} >= {(o.organization, MEMBER)}
    switched = await bob.tenant.SwitchContext(
        tenant_pb2.SwitchContextRequest(organization=o.organization)
    )
    assert switched.workspace == o.workspace
    bob.access_token = switched.access_token
    me = await bob.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    assert (me.organization, me.workspace) == (o.organization, o.workspace)
    ws = await bob.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=o.workspace))
    assert ws.role == VIEWER
    edit = renaming(o.workspace)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.tenant.UpdateWorkspace(edit)

    await set_workspace_role(owner, o.workspace, b.email, WS_ADMIN)
    await bob.tenant.UpdateWorkspace(edit)  # the promotion counts on the very next call

    org_members = await owner.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=o.organization)
    )
    bob_org = next(m for m in org_members.members if m.email == b.email)
    await owner.tenant.RemoveOrganizationMember(
        tenant_pb2.RemoveOrganizationMemberRequest(name=bob_org.name)
    )
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await bob.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=o.workspace))
    members = await owner.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=o.workspace)
    )
    assert b.email not in {m.email for m in members.members}  # gone from the workspaces too


async def test_membership_rules(client_factory):
    owner, admin, member, outsider = (client_factory() for _ in range(4))
    o = await sign_up(owner)
    await join(owner, admin, o.organization, ADMIN)
    m = await join(owner, member, o.organization, MEMBER)
    x = await sign_up(outsider)
    listed = await owner.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=o.organization)
    )
    by_email = {mm.email: mm for mm in listed.members}
    owner_name = by_email[o.email].name

    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "LAST_OWNER"):
        await owner.tenant.RemoveOrganizationMember(
            tenant_pb2.RemoveOrganizationMemberRequest(name=owner_name)
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "LAST_OWNER"):
        await owner.tenant.UpdateOrganizationMember(
            tenant_pb2.UpdateOrganizationMemberRequest(
                member=tenant_pb2.OrganizationMember(name=owner_name, role=MEMBER),
                update_mask=mask("role"),
            )
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ROLE_ABOVE_OWN"):
        await admin.tenant.UpdateOrganizationMember(
            tenant_pb2.UpdateOrganizationMemberRequest(
                member=tenant_pb2.OrganizationMember(name=by_email[m.email].name, role=OWNER),
                update_mask=mask("role"),
            )
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ROLE_ABOVE_OWN"):
        await admin.tenant.RemoveOrganizationMember(
            tenant_pb2.RemoveOrganizationMemberRequest(name=owner_name)
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ROLE_ABOVE_OWN"):
        await admin.tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=o.organization,
                invitation=tenant_pb2.Invitation(email="new@example.com", role=OWNER),
            )
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await member.tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=o.organization,
                invitation=tenant_pb2.Invitation(email="new@example.com", role=MEMBER),
            )
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "NOT_ORGANIZATION_MEMBER"):
        await owner.tenant.AddWorkspaceMember(
            tenant_pb2.AddWorkspaceMemberRequest(
                parent=o.workspace,
                member=tenant_pb2.WorkspaceMember(user=x.session.user.name, role=VIEWER),
            )
        )
    added = await owner.tenant.AddWorkspaceMember(
        tenant_pb2.AddWorkspaceMemberRequest(
            parent=o.workspace,
            member=tenant_pb2.WorkspaceMember(user=m.session.user.name, role=EDITOR),
        )
    )
    assert added.role == EDITOR
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "ALREADY_MEMBER"):
        await owner.tenant.AddWorkspaceMember(
            tenant_pb2.AddWorkspaceMemberRequest(
                parent=o.workspace,
                member=tenant_pb2.WorkspaceMember(user=m.session.user.name, role=EDITOR),
            )
        )
    # An editor cannot make anyone a workspace admin; an admin can promote to owner's peer.
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await member.tenant.UpdateWorkspaceMember(
            tenant_pb2.UpdateWorkspaceMemberRequest(
                member=tenant_pb2.WorkspaceMember(name=added.name, role=WS_ADMIN),
                update_mask=mask("role"),
            )
        )
    promoted = await owner.tenant.UpdateOrganizationMember(
        tenant_pb2.UpdateOrganizationMemberRequest(
            member=tenant_pb2.OrganizationMember(name=by_email[m.email].name, role=ADMIN),
            update_mask=mask("role"),
        )
    )
    assert promoted.role == ADMIN
    # Anyone may leave.
    await member.tenant.RemoveOrganizationMember(
        tenant_pb2.RemoveOrganizationMemberRequest(name=by_email[m.email].name)
    )


async def test_invitation_rules(client_factory, stack):
    owner, carol, dave = client_factory(), client_factory(), client_factory()
    o = await sign_up(owner)
    c = await sign_up(carol)
    await sign_up(dave)
    invite = tenant_pb2.CreateInvitationRequest(
        parent=o.organization, invitation=tenant_pb2.Invitation(email=c.email, role=MEMBER)
    )
    invitation = await owner.tenant.CreateInvitation(invite)
    assert invitation.token and invitation.state == tenant_pb2.Invitation.STATE_PENDING
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "INVITATION_PENDING"):
        await owner.tenant.CreateInvitation(invite)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "INVITATION_NOT_FOR_YOU"):
        await dave.tenant.AcceptInvitation(
            tenant_pb2.AcceptInvitationRequest(token=invitation.token)
        )
    listed = await owner.tenant.ListInvitations(
        tenant_pb2.ListInvitationsRequest(parent=o.organization)
    )
    assert [i.name for i in listed.invitations] == [invitation.name]
    assert listed.invitations[0].token == ""  # the secret is shown once
    await owner.tenant.RevokeInvitation(tenant_pb2.RevokeInvitationRequest(name=invitation.name))
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_REVOKED"):
        await carol.tenant.AcceptInvitation(
            tenant_pb2.AcceptInvitationRequest(token=invitation.token)
        )
    again = await owner.tenant.CreateInvitation(invite)
    async with stack.running.platform.sessions() as session, session.begin():
        await session.execute(
            update(Invitation)
            .where(Invitation.id == again.name.rsplit("/")[-1])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "INVITATION_EXPIRED"):
        await carol.tenant.AcceptInvitation(tenant_pb2.AcceptInvitationRequest(token=again.token))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await carol.tenant.AcceptInvitation(tenant_pb2.AcceptInvitationRequest(token="made-up"))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"invitation.email"}):
        await owner.tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=o.organization, invitation=tenant_pb2.Invitation(role=MEMBER)
            )
        )


async def test_invitation_by_wallet_address(client_factory):
    from signers import evm_signer

    owner, wallet_user = client_factory(), client_factory()
    o = await sign_up(owner)
    wallet = evm_signer()
    invitation = await owner.tenant.CreateInvitation(
        tenant_pb2.CreateInvitationRequest(
            parent=o.organization,
            invitation=tenant_pb2.Invitation(wallet_address=wallet.address.lower(), role=MEMBER),
        )
    )
    challenge = await wallet_user.auth.CreateWalletChallenge(
        auth_pb2.CreateWalletChallengeRequest(
            chain=common_pb2.WALLET_CHAIN_EVM, address=wallet.address
        )
    )
    signature, _ = wallet.sign(challenge.message)
    session = await wallet_user.auth.VerifyWalletSignature(
        auth_pb2.VerifyWalletSignatureRequest(
            chain=common_pb2.WALLET_CHAIN_EVM, message=challenge.message, signature=signature
        )
    )
    wallet_user.access_token = session.access_token
    member = await wallet_user.tenant.AcceptInvitation(
        tenant_pb2.AcceptInvitationRequest(token=invitation.token)
    )
    assert member.role == MEMBER and member.name.startswith(o.organization + "/members/")


async def test_audit_log(client_factory):
    owner, member = client_factory(), client_factory()
    o = await sign_up(owner)
    await join(owner, member, o.organization, MEMBER)
    await owner.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=o.organization, workspace=tenant_pb2.Workspace(display_name="Audited")
        )
    )
    events = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=o.organization)
    )
    actions = [e.action for e in events.audit_events]
    assert actions[:3] == [
        "workspace.create",
        "invitation.accept",
        "invitation.create",
    ]  # newest first
    assert all(e.request_id and e.event_time.seconds for e in events.audit_events)
    only = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=o.organization, action="invitation")
    )
    assert {e.action for e in only.audit_events} == {"invitation.create", "invitation.accept"}
    page = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=o.organization, page_size=1)
    )
    second = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(
            parent=o.organization, page_size=1, page_token=page.next_page_token
        )
    )
    assert second.audit_events[0].name != page.audit_events[0].name
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"page_token"}):
        await owner.tenant.ListAuditEvents(
            tenant_pb2.ListAuditEventsRequest(
                parent=o.organization, action="member", page_token=page.next_page_token
            )
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await member.tenant.ListAuditEvents(
            tenant_pb2.ListAuditEventsRequest(parent=o.organization)
        )


async def test_current_user_reflects_changes_at_once(client_factory):
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    me = lambda c: c.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())  # noqa: E731
    before = await me(owner)  # cached from here on
    assert len(before.memberships) == 1
    org = await owner.tenant.CreateOrganization(
        tenant_pb2.CreateOrganizationRequest(
            organization=tenant_pb2.Organization(display_name="Second")
        )
    )
    assert {m.organization for m in (await me(owner)).memberships} == {o.organization, org.name}
    await owner.tenant.UpdateOrganization(
        tenant_pb2.UpdateOrganizationRequest(
            organization=tenant_pb2.Organization(name=org.name, display_name="Renamed"),
            update_mask=mask("display_name"),
        )
    )
    names = {m.organization_display_name for m in (await me(owner)).memberships}
    assert "Renamed" in names
    ws = await owner.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=org.name, workspace=tenant_pb2.Workspace(display_name="New")
        )
    )
    second = next(m for m in (await me(owner)).memberships if m.organization == org.name)
    assert ws.name in {w.workspace for w in second.workspaces}
    b = await join(owner, bob, org.name, MEMBER, [(ws.name, VIEWER)])
    bob_view = await me(bob)
    members = await owner.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=org.name)
    )
    bob_member = next(m for m in members.members if m.email == b.email)
    await owner.tenant.RemoveOrganizationMember(
        tenant_pb2.RemoveOrganizationMemberRequest(name=bob_member.name)
    )
    assert org.name in {m.organization for m in bob_view.memberships}
    assert org.name not in {m.organization for m in (await me(bob)).memberships}
    await owner.tenant.DeleteOrganization(tenant_pb2.DeleteOrganizationRequest(name=org.name))
    assert {m.organization for m in (await me(owner)).memberships} == {o.organization}


async def test_demotion_and_removal_count_on_the_very_next_call(client_factory):
    """Roles are cached per (user, organization, workspace) under version stamps; taking a
    right away must not wait for anything to expire."""
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, WS_ADMIN)])
    edit = renaming(o.workspace)
    await bob.tenant.UpdateWorkspace(edit)  # allowed, and now cached
    bob_ws = await set_workspace_role(owner, o.workspace, b.email, VIEWER)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.tenant.UpdateWorkspace(edit)
    await bob.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=o.workspace))
    await owner.tenant.RemoveWorkspaceMember(tenant_pb2.RemoveWorkspaceMemberRequest(name=bob_ws))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await bob.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=o.workspace))


async def test_roles_cached_before_a_lost_stamp_are_never_used_again(client_factory, stack):
    """The store lost the stamps (a restart) before and after a change it never heard of:
    roles cached in between must not count as current ("no stamp" then and now proves
    nothing). Here the change is made in SQL behind the service's back, and the stamps are
    dropped as a restarted store would have them."""
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, WS_ADMIN)])
    edit = renaming(o.workspace)
    platform = stack.running.platform
    user_id = await user_id_of(platform, b.email)
    stamps = (f"stamp:user:{user_id}", f"stamp:org:{org_id(o.organization)}")
    await platform.store.delete(*stamps)
    await bob.tenant.UpdateWorkspace(edit)  # allowed, and now cached
    async with platform.sessions() as session, session.begin():
        await session.execute(
            update(WorkspaceMembership)
            .where(WorkspaceMembership.user_id == user_id)
            .values(role="viewer")
        )
    await platform.store.delete(*stamps)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.tenant.UpdateWorkspace(edit)


@contextlib.contextmanager
def statements(engine):
    """The SQL the server runs while open."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def stale_caches_of(platform, email: str) -> None:
    """Drop the user's stamp, as a restarted store would: every view and role cached for them
    stops matching, so their next calls all load from the database."""
    await platform.store.delete(f"stamp:user:{await user_id_of(platform, email)}")


async def test_concurrent_calls_that_miss_the_cached_view_load_it_once(client_factory, stack):
    owner = client_factory()
    o = await sign_up(owner)
    me = lambda: owner.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())  # noqa: E731
    await me()
    await stale_caches_of(stack.running.platform, o.email)
    with statements(stack.running.platform.engine) as seen:
        views = await asyncio.gather(*(me() for _ in range(20)))
    assert all(view == views[0] for view in views)
    assert len([s for s in seen if "FROM identities" in s]) == 1


async def test_concurrent_calls_that_miss_cached_roles_query_them_once(client_factory, stack):
    owner = client_factory()
    o = await sign_up(owner)
    get = tenant_pb2.GetWorkspaceRequest(name=o.workspace)
    await owner.tenant.GetWorkspace(get)
    await stale_caches_of(stack.running.platform, o.email)
    with statements(stack.running.platform.engine) as seen:
        await asyncio.gather(*(owner.tenant.GetWorkspace(get) for _ in range(20)))
    roles = [s for s in seen if "organization_memberships.role" in s]
    assert len(roles) == 1
