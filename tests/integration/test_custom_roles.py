"""Custom roles over the real server: defined per organization from the catalog's workspace
permissions, listed after the read-only built-in roles, given to workspace members, edited
with effect on the holder's very next call, never deleted while held."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2
from helpers import join, raises, sign_up

from privexbot.v1 import auth_pb2, common_pb2, knowledge_pb2, tenant_pb2

MEMBER = common_pb2.ORGANIZATION_ROLE_MEMBER
VIEWER, CUSTOM = common_pb2.WORKSPACE_ROLE_VIEWER, common_pb2.WORKSPACE_ROLE_CUSTOM
KEYWORD = knowledge_pb2.RetrievalSettings.MODE_KEYWORD


def mask(*paths):
    return field_mask_pb2.FieldMask(paths=paths)


async def create_role(client, organization: str, *permissions, display_name="Reader"):
    return await client.tenant.CreateRole(
        tenant_pb2.CreateRoleRequest(
            parent=organization,
            role=tenant_pb2.Role(display_name=display_name, permissions=permissions),
        )
    )


async def set_permissions(client, role: tenant_pb2.Role, *permissions) -> tenant_pb2.Role:
    return await client.tenant.UpdateRole(
        tenant_pb2.UpdateRoleRequest(
            role=tenant_pb2.Role(name=role.name, permissions=permissions),
            update_mask=mask("permissions"),
        )
    )


async def give(client, workspace: str, email: str, role: int, custom_role: str = ""):
    """Give the workspace member with ``email`` ``role`` (a custom one: ``custom_role``)."""
    members = await client.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=workspace)
    )
    member = next(m for m in members.members if m.email == email)
    return await client.tenant.UpdateWorkspaceMember(
        tenant_pb2.UpdateWorkspaceMemberRequest(
            member=tenant_pb2.WorkspaceMember(name=member.name, role=role, custom_role=custom_role),
            update_mask=mask("role", "custom_role") if custom_role else mask("role"),
        )
    )


def upload_request(kb: str, text: bytes):
    async def messages():
        yield knowledge_pb2.UploadDocumentRequest(
            metadata=knowledge_pb2.UploadDocumentRequest.Metadata(
                parent=kb, display_name="note.md", content_type="text/markdown"
            )
        )
        yield knowledge_pb2.UploadDocumentRequest(chunk=text)

    return messages()


def search_request(kb: str) -> knowledge_pb2.SearchKnowledgeBaseRequest:
    return knowledge_pb2.SearchKnowledgeBaseRequest(
        name=kb, query="refund policy", retrieval=knowledge_pb2.RetrievalSettings(mode=KEYWORD)
    )


async def test_roles_are_defined_listed_read_and_edited(client_factory):
    owner = client_factory()
    o = await sign_up(owner)
    role = await create_role(owner, o.organization, "knowledge.read", "workspace.read")
    assert role.name.startswith(o.organization + "/roles/")
    assert list(role.permissions) == ["knowledge.read", "workspace.read"]
    assert (role.built_in, role.workspace_role) == (False, CUSTOM) and role.etag
    got = await owner.tenant.GetRole(tenant_pb2.GetRoleRequest(name=role.name))
    assert got == role
    second = await create_role(owner, o.organization, "chatbot.read", display_name="Bots")

    pages, token = [], ""
    while True:  # two at a time: the page boundary falls between built-in and custom roles
        page = await owner.tenant.ListRoles(
            tenant_pb2.ListRolesRequest(parent=o.organization, page_size=2, page_token=token)
        )
        pages.append([r.name.rsplit("/", 1)[1] for r in page.roles])
        token = page.next_page_token
        if not token:
            break
    ids = [r.name.rsplit("/", 1)[1] for r in (role, second)]
    assert pages == [["admin", "editor"], ["viewer", ids[0]], [ids[1]]]

    viewer = await owner.tenant.GetRole(
        tenant_pb2.GetRoleRequest(name=f"{o.organization}/roles/viewer")
    )
    assert viewer.built_in and viewer.workspace_role == VIEWER
    assert "knowledge.read" in viewer.permissions and "knowledge.update" not in viewer.permissions

    edited = await owner.tenant.UpdateRole(
        tenant_pb2.UpdateRoleRequest(
            role=tenant_pb2.Role(
                name=role.name, display_name="Librarian", description="reads", etag=role.etag
            ),
            update_mask=mask("display_name", "description"),
        )
    )
    assert (edited.display_name, edited.description) == ("Librarian", "reads")
    assert edited.permissions == role.permissions and edited.etag != role.etag
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await owner.tenant.UpdateRole(
            tenant_pb2.UpdateRoleRequest(
                role=tenant_pb2.Role(name=role.name, display_name="x", etag=role.etag),
                update_mask=mask("display_name"),
            )
        )
    for call in (
        owner.tenant.UpdateRole(
            tenant_pb2.UpdateRoleRequest(
                role=tenant_pb2.Role(name=viewer.name, display_name="Mine"),
                update_mask=mask("display_name"),
            )
        ),
        owner.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=viewer.name)),
    ):
        async with raises(grpc.StatusCode.FAILED_PRECONDITION, "BUILT_IN_ROLE"):
            await call
    await owner.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=second.name))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.tenant.GetRole(tenant_pb2.GetRoleRequest(name=second.name))
    events = await owner.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=o.organization, action="role.update")
    )
    assert [e.resource for e in events.audit_events] == [role.name]


async def test_bad_roles_are_refused_field_by_field(client_factory):
    owner = client_factory()
    o = await sign_up(owner)
    cases = [
        (("organization.update",), "Org", "ORGANIZATION_PERMISSION_IN_ROLE", "role.permissions"),
        (("knowledge.sing",), "Odd", "INVALID_FIELD", "role.permissions"),
        ((), "Empty", "INVALID_ARGUMENT", "role.permissions"),  # the contract's field rules
        (("knowledge.read",), "", "INVALID_ARGUMENT", "role.display_name"),
    ]
    for permissions, display_name, reason, field in cases:
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, reason, {field}):
            await create_role(owner, o.organization, *permissions, display_name=display_name)
    await create_role(owner, o.organization, "knowledge.read")
    for taken in (
        "reader",
        "Editor",
    ):  # another custom role's name, whatever its case; a built-in's
        async with raises(grpc.StatusCode.ALREADY_EXISTS, "ROLE_NAME_TAKEN"):
            await create_role(owner, o.organization, "knowledge.read", display_name=taken)
    role = await create_role(owner, o.organization, "chatbot.read", display_name="Bots")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"update_mask"}):
        await owner.tenant.UpdateRole(
            tenant_pb2.UpdateRoleRequest(role=role, update_mask=mask("built_in"))
        )
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "ORGANIZATION_PERMISSION_IN_ROLE", {"role.permissions"}
    ):
        await set_permissions(owner, role, "member.invite")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"name"}):
        await owner.tenant.GetRole(tenant_pb2.GetRoleRequest(name=o.organization + "/roles/A B"))

    bob = client_factory()
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    members = await owner.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=o.workspace)
    )
    name = next(m.name for m in members.members if m.email == b.email)
    for member, paths, reason in (
        (tenant_pb2.WorkspaceMember(name=name, role=CUSTOM), ("role",), "member.custom_role"),
        (
            tenant_pb2.WorkspaceMember(name=name, role=VIEWER, custom_role=role.name),
            ("role", "custom_role"),
            "member.custom_role",
        ),
        (
            tenant_pb2.WorkspaceMember(
                name=name, role=CUSTOM, custom_role=o.organization + "/roles/viewer"
            ),
            ("role", "custom_role"),
            "member.custom_role",
        ),
        (
            tenant_pb2.WorkspaceMember(name=name, role=CUSTOM, custom_role=role.name),
            ("custom_role",),
            "update_mask",
        ),
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {reason}):
            await owner.tenant.UpdateWorkspaceMember(
                tenant_pb2.UpdateWorkspaceMemberRequest(member=member, update_mask=mask(*paths))
            )
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"invitation.workspaces[0].role"}
    ):
        await owner.tenant.CreateInvitation(
            tenant_pb2.CreateInvitationRequest(
                parent=o.organization,
                invitation=tenant_pb2.Invitation(
                    email="carol@example.com",
                    role=MEMBER,
                    workspaces=[
                        tenant_pb2.Invitation.WorkspaceGrant(workspace=o.workspace, role=CUSTOM)
                    ],
                ),
            )
        )


async def test_who_may_read_and_change_roles(client_factory):
    owner, bob, stranger, anonymous = (client_factory() for _ in range(4))
    o = await sign_up(owner)
    await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    role = await create_role(owner, o.organization, "knowledge.read")
    # Members read roles; only owners and admins (member.update) change them.
    assert (await bob.tenant.GetRole(tenant_pb2.GetRoleRequest(name=role.name))) == role
    listed = await bob.tenant.ListRoles(tenant_pb2.ListRolesRequest(parent=o.organization))
    assert role.name in {r.name for r in listed.roles}
    for call in (
        create_role(bob, o.organization, "knowledge.read", display_name="Mine"),
        set_permissions(bob, role, "knowledge.read", "knowledge.update"),
        bob.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=role.name)),
    ):
        async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
            await call
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await anonymous.tenant.GetRole(tenant_pb2.GetRoleRequest(name=role.name))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await create_role(anonymous, o.organization, "knowledge.read", display_name="Anon")

    # Another tenant: the role, the organization's roles, and giving it away are NOT_FOUND.
    s = await sign_up(stranger, "stranger")
    for call in (
        stranger.tenant.GetRole(tenant_pb2.GetRoleRequest(name=role.name)),
        stranger.tenant.ListRoles(tenant_pb2.ListRolesRequest(parent=o.organization)),
        set_permissions(stranger, role, "knowledge.read"),
        stranger.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=role.name)),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
            await call
    carol = client_factory()
    c = await join(stranger, carol, s.organization, MEMBER, [(s.workspace, VIEWER)])
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await give(stranger, s.workspace, c.email, CUSTOM, role.name)
    own = await create_role(stranger, s.organization, "knowledge.read")
    renamed = own.name.replace(s.organization, o.organization)  # its id under the other org
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.tenant.GetRole(tenant_pb2.GetRoleRequest(name=renamed))


async def test_a_custom_role_grants_exactly_its_permissions_from_the_next_call(client_factory):
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    kb = await owner.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=o.workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="KB")
        )
    )
    role = await create_role(owner, o.organization, "knowledge.read")
    member = await give(owner, o.workspace, b.email, CUSTOM, role.name)
    assert (member.role, member.custom_role) == (CUSTOM, role.name)
    listed = await owner.tenant.ListWorkspaceMembers(
        tenant_pb2.ListWorkspaceMembersRequest(parent=o.workspace)
    )
    assert [(m.role, m.custom_role) for m in listed.members if m.email == b.email] == [
        (CUSTOM, role.name)
    ]
    me = await bob.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    (in_org,) = [m for m in me.memberships if m.organization == o.organization]
    assert [(w.role, w.custom_role) for w in in_org.workspaces] == [(CUSTOM, role.name)]

    await bob.knowledge.SearchKnowledgeBase(search_request(kb.name))  # knowledge.read
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.knowledge.UploadDocument(upload_request(kb.name, b"# Refunds\n\n30 days."))
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=o.workspace))

    await set_permissions(owner, role, "knowledge.read", "knowledge.update")
    doc = await bob.knowledge.UploadDocument(upload_request(kb.name, b"# Refunds\n\n30 days."))
    assert doc.name.startswith(kb.name + "/documents/")
    await set_permissions(owner, role, "knowledge.read")
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
        await bob.knowledge.UploadDocument(upload_request(kb.name, b"# Again"))
    await bob.knowledge.SearchKnowledgeBase(search_request(kb.name))

    # Held, the role stays; once nobody holds it, it goes.
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "ROLE_IN_USE"):
        await owner.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=role.name))
    await give(owner, o.workspace, b.email, VIEWER)
    await owner.tenant.DeleteRole(tenant_pb2.DeleteRoleRequest(name=role.name))


async def test_nobody_grants_a_custom_role_holding_what_they_lack(client_factory):
    owner, manager, bob = client_factory(), client_factory(), client_factory()
    o = await sign_up(owner)
    m = await join(owner, manager, o.organization, MEMBER, [(o.workspace, VIEWER)])
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    # A member manager: may change members, holds what a viewer holds and no more.
    viewer = await owner.tenant.GetRole(
        tenant_pb2.GetRoleRequest(name=f"{o.organization}/roles/viewer")
    )
    managers = await create_role(
        owner, o.organization, "member.update", *viewer.permissions, display_name="Managers"
    )
    await give(owner, o.workspace, m.email, CUSTOM, managers.name)
    uploader = await create_role(
        owner, o.organization, "knowledge.read", "knowledge.update", display_name="Uploader"
    )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ROLE_ABOVE_OWN"):
        await give(manager, o.workspace, b.email, CUSTOM, uploader.name)
    readers = await create_role(owner, o.organization, "knowledge.read")
    given = await give(manager, o.workspace, b.email, CUSTOM, readers.name)
    assert given.custom_role == readers.name
    # Adding a member with a custom role follows the same rule.
    carol = client_factory()
    c = await join(owner, carol, o.organization, MEMBER)
    org_members = await owner.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=o.organization)
    )
    user = next(m.user for m in org_members.members if m.email == c.email)
    for role, code in ((uploader, "ROLE_ABOVE_OWN"), (readers, None)):
        request = tenant_pb2.AddWorkspaceMemberRequest(
            parent=o.workspace,
            member=tenant_pb2.WorkspaceMember(user=user, role=CUSTOM, custom_role=role.name),
        )
        if code:
            async with raises(grpc.StatusCode.PERMISSION_DENIED, code):
                await manager.tenant.AddWorkspaceMember(request)
        else:
            added = await manager.tenant.AddWorkspaceMember(request)
            assert (added.role, added.custom_role) == (CUSTOM, readers.name)


async def test_an_organization_goes_with_the_custom_roles_its_members_hold(client_factory):
    owner, bob = client_factory(), client_factory()
    o = await sign_up(owner)
    b = await join(owner, bob, o.organization, MEMBER, [(o.workspace, VIEWER)])
    role = await create_role(owner, o.organization, "knowledge.read")
    await give(owner, o.workspace, b.email, CUSTOM, role.name)
    await owner.tenant.DeleteOrganization(tenant_pb2.DeleteOrganizationRequest(name=o.organization))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await owner.tenant.GetRole(tenant_pb2.GetRoleRequest(name=role.name))
