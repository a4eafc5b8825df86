"""Randomized cross-tenant probe: tenant B, at full strength in its own organization,
names tenant A's resources in thousands of calls — by name, in lists, in filters, in
update masks and request bodies. Every scoped call is NOT_FOUND exactly like a missing
name, and nothing of A ever appears in what B reads."""

from __future__ import annotations

import random

import grpc
from google.protobuf import field_mask_pb2, message_factory
from helpers import authz_decision, join, sign_up
from test_authz_matrix import invoke, scope_pattern

from privexbot.kernel import contract
from privexbot.v1 import auth_pb2, bot_pb2, common_pb2, tenant_pb2

SEED = 20261121
RANDOM_PROBES = 2000


async def build_tenant(client_factory, tag: str):
    """An organization with the full range of tenant resources."""
    owner = client_factory()
    o = await sign_up(owner, tag)
    extra = await owner.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=o.organization, workspace=tenant_pb2.Workspace(display_name=f"{tag} extra")
        )
    )
    member = await join(
        owner,
        client_factory(),
        o.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(o.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    invitation = await owner.tenant.CreateInvitation(
        tenant_pb2.CreateInvitationRequest(
            parent=o.organization,
            invitation=tenant_pb2.Invitation(
                email=f"pending-{tag}@example.com", role=common_pb2.ORGANIZATION_ROLE_MEMBER
            ),
        )
    )
    key = await owner.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=o.workspace,
            api_key=auth_pb2.ApiKey(
                display_name=f"{tag} key", permissions=sorted(WORKSPACE_KEY_PERMISSIONS)
            ),
        )
    )
    me = await owner.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    config = bot_pb2.ChatbotConfig(display_name=f"{tag} bot", max_tokens=2)
    draft = await owner.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=o.workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    bot = await owner.bot.FinalizeChatbotDraft(bot_pb2.FinalizeChatbotDraftRequest(name=draft.name))
    kept_draft = await owner.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=o.workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    events = [e async for e in owner.bot.Chat(bot_pb2.ChatRequest(name=bot.name, message="hi"))]
    session, message = events[0].session_started.session, events[-1].done.message
    return {
        "owner": owner,
        "user": o,
        "extra": extra,
        "member": member,
        "invitation": invitation,
        "key": key,
        "identity": me.identities[0].name,
        "bot": bot,
        "draft": kept_draft,
        "session": session,
        "message": message,
        "ids": {
            bot.name.split("/")[5],
            kept_draft.name.split("/")[5],
            session.split("/")[7],
            message.split("/")[9],
            o.organization.split("/")[1],
            o.workspace.split("/")[3],
            extra.name.split("/")[3],
            o.session.user.name.split("/")[1],
            member.session.user.name.split("/")[1],
            invitation.name.split("/")[3],
            key.api_key.name.split("/")[5],
            o.email,
            member.email,
        },
    }


WORKSPACE_KEY_PERMISSIONS = {
    "workspace.read",
    "workspace.update",
    "chatbot.read",
    "chatbot.update",
    "chatbot.chat",
    "knowledge.read",
    "knowledge.update",
    "apikey.read",
    "inference.use",
    "member.read",
}


def names_in(tenant: dict, other: dict) -> dict[str, list[str]]:
    """Leaf ids per collection, real ones from ``tenant`` plus made-up ones."""
    ids = lambda name, i: name.split("/")[i]  # noqa: E731
    return {
        "organizations": [ids(tenant["user"].organization, 1)],
        "workspaces": [ids(tenant["user"].workspace, 3), ids(tenant["extra"].name, 3)],
        "members": [
            ids(tenant["member"].session.user.name, 1),
            ids(tenant["user"].session.user.name, 1),
        ],
        "invitations": [ids(tenant["invitation"].name, 3)],
        "apiKeys": [ids(tenant["key"].api_key.name, 5)],
        "chatbots": [ids(tenant["bot"].name, 5)],
        "chatbotDrafts": [ids(tenant["draft"].name, 5)],
        "sessions": [ids(tenant["session"], 7)],
        "messages": [ids(tenant["message"], 9)],
    }


def fill(pattern: str, leaves: dict[str, list[str]], rng: random.Random) -> str:
    parts = pattern.split("/")
    out = []
    for i, part in enumerate(parts):
        if part == "*":
            choices = leaves.get(parts[i - 1]) or [f"probe{rng.randrange(10**6)}"]
            out.append(rng.choice(choices))
        else:
            out.append(part)
    return "/".join(out)


def probe_request(spec, name: str, rng: random.Random):
    request = message_factory.GetMessageClass(spec.input)()
    *path, last = spec.access.scope_field.split(".")
    target = request
    for part in path:
        target = getattr(target, part)
    setattr(target, last, name)
    if "update_mask" in spec.input.fields_by_name and rng.random() < 0.7:
        request.update_mask.CopyFrom(
            field_mask_pb2.FieldMask(
                paths=[
                    rng.choice(
                        ["display_name", "role", "plan", "settings", "description", "organization"]
                    )
                ]
            )
        )
    return request


async def test_cross_tenant_probe(client_factory, stack, rpc_lines):
    a = await build_tenant(client_factory, "alpha")
    b = await build_tenant(client_factory, "bravo")
    probers = {"owner": b["owner"], "key": client_factory(api_key=b["key"].key)}
    scoped = [s for s in contract.methods().values() if s.access.scope_field]
    a_leaves = names_in(a, b)
    b_org, b_ws = b["user"].organization.split("/")[1], b["user"].workspace.split("/")[3]
    # Mixed names: B's organization with A's workspace, and A's organization with B's.
    mixed = {**a_leaves, "organizations": [b_org]}
    crossed = {**a_leaves, "workspaces": [b_ws]}
    rng = random.Random(SEED)
    probes, failures = 0, []

    def variants(spec):  # B's own organization with B's workspace is not a cross-tenant name
        in_workspace = "workspaces/*" in scope_pattern(spec)
        return [a_leaves, mixed, crossed] if in_workspace else [a_leaves]

    plan = [(spec, leaves) for spec in scoped for leaves in variants(spec)]
    for _ in range(RANDOM_PROBES):
        spec = rng.choice(scoped)
        plan.append((spec, rng.choice(variants(spec))))
    async with grpc.aio.insecure_channel(stack.target) as channel:
        for spec, leaves in plan:
            pattern = scope_pattern(spec)
            name = fill(pattern, leaves, rng)
            who = rng.choice(list(probers))
            if who == "key" and spec.access.user_only:
                who = "owner"
            probes += 1
            request_id = f"probe-{probes}"
            metadata = (*probers[who].metadata(), ("x-request-id", request_id))
            try:
                await invoke(channel, spec, probe_request(spec, name, rng), metadata)
                failures.append(f"{spec.name} {name} as {who}: answered OK")
                continue
            except grpc.aio.AioRpcError as error:
                code, message = error.code(), error.details()
            decision = await authz_decision(rpc_lines, request_id)
            if code != grpc.StatusCode.NOT_FOUND or decision != "hidden":
                failures.append(f"{spec.name} {name} as {who}: {code.name}/{decision}")
            elif message != f"{name} not found":
                failures.append(f"{spec.name}: message says more than the name: {message}")
    print(f"cross-tenant probe: {probes} calls naming another tenant's resources")
    assert probes >= 2000
    assert not failures, "\n".join(failures[:20])


async def test_nothing_of_another_tenant_appears_in_what_a_tenant_reads(client_factory):
    a = await build_tenant(client_factory, "alpha")
    b = await build_tenant(client_factory, "bravo")
    owner, org, ws = b["owner"], b["user"].organization, b["user"].workspace
    a_user, a_org = a["user"].session.user.name, a["user"].organization
    responses = [
        await owner.tenant.ListOrganizations(tenant_pb2.ListOrganizationsRequest()),
        await owner.tenant.GetOrganization(tenant_pb2.GetOrganizationRequest(name=org)),
        await owner.tenant.ListWorkspaces(tenant_pb2.ListWorkspacesRequest(parent=org)),
        await owner.tenant.ListOrganizationMembers(
            tenant_pb2.ListOrganizationMembersRequest(parent=org)
        ),
        await owner.tenant.ListWorkspaceMembers(tenant_pb2.ListWorkspaceMembersRequest(parent=ws)),
        await owner.tenant.ListInvitations(tenant_pb2.ListInvitationsRequest(parent=org)),
        await owner.tenant.GetUsage(tenant_pb2.GetUsageRequest(name=f"{org}/usage")),
        await owner.auth.ListApiKeys(auth_pb2.ListApiKeysRequest(parent=ws)),
        await owner.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest()),
        await owner.bot.ListChatbots(bot_pb2.ListChatbotsRequest(parent=ws)),
        await owner.bot.ListChatSessions(bot_pb2.ListChatSessionsRequest(parent=b["bot"].name)),
        await owner.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=b["session"])),
        await owner.bot.GetChatbotAnalytics(
            bot_pb2.GetChatbotAnalyticsRequest(name=b["bot"].name + "/analytics")
        ),
        # Filters naming the other tenant find nothing.
        await owner.tenant.ListAuditEvents(
            tenant_pb2.ListAuditEventsRequest(parent=org, actor=a_user)
        ),
        await owner.tenant.ListAuditEvents(
            tenant_pb2.ListAuditEventsRequest(parent=org, resource=a_org)
        ),
        await owner.tenant.ListAuditEvents(tenant_pb2.ListAuditEventsRequest(parent=org)),
    ]
    seen = b"".join(r.SerializeToString() for r in responses)
    leaked = sorted(i for i in a["ids"] if i.encode() in seen)
    assert leaked == []
    assert len(responses[-3].audit_events) == 0 and len(responses[-2].audit_events) == 0
    # Body fields naming the other tenant: refused without saying whether it exists.
    for user in (a["member"].session.user.name, "users/doesnotexist"):
        try:
            await owner.tenant.AddWorkspaceMember(
                tenant_pb2.AddWorkspaceMemberRequest(
                    parent=ws,
                    member=tenant_pb2.WorkspaceMember(
                        user=user, role=common_pb2.WORKSPACE_ROLE_VIEWER
                    ),
                )
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert a["member"].email not in error.details()
    for target in (a["extra"].name, f"{org}/workspaces/doesnotexist"):
        try:
            await owner.tenant.CreateInvitation(
                tenant_pb2.CreateInvitationRequest(
                    parent=org,
                    invitation=tenant_pb2.Invitation(
                        email="x@example.com",
                        role=common_pb2.ORGANIZATION_ROLE_MEMBER,
                        workspaces=[
                            tenant_pb2.Invitation.WorkspaceGrant(
                                workspace=target, role=common_pb2.WORKSPACE_ROLE_VIEWER
                            )
                        ],
                    ),
                )
            )
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert "is not a workspace of this organization" in error.details()
    for rpc, request in (
        (owner.auth.UnlinkIdentity, auth_pb2.UnlinkIdentityRequest(name=a["identity"])),
        (owner.tenant.SwitchContext, tenant_pb2.SwitchContextRequest(organization=a_org)),
        (owner.tenant.AcceptInvitation, tenant_pb2.AcceptInvitationRequest(token="guess")),
    ):
        try:
            await rpc(request)
            raise AssertionError(f"{request} succeeded")
        except grpc.aio.AioRpcError as error:
            assert error.code() == grpc.StatusCode.NOT_FOUND, request
