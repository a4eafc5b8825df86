"""AIP-155 request ids on every create RPC, tried as an attacker would: a replay answers what
the caller may see now (NOT_FOUND once removed from the tenant), and a request id reused with
another parent or other fields is refused (REQUEST_ID_REUSED), never answered with the first
resource."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import grpc
import pytest
from helpers import join, raises, sign_up, unique_email
from test_bot import bot_config

from privexbot.v1 import auth_pb2, bot_pb2, common_pb2, knowledge_pb2, tenant_pb2

ADMIN = common_pb2.ORGANIZATION_ROLE_ADMIN


@dataclass
class Tenants:
    """The owner's organization A (where U is an admin) and U's own organization B."""

    owner: object
    u: object
    org_a: str
    ws_a: str
    kb_a: str
    draft_a: str
    org_b: str
    ws_b: str
    kb_b: str
    draft_b: str
    draft_b2: str
    member_name: str  # U's membership of organization A


async def kb_in(client, workspace: str) -> str:
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="K")
        )
    )
    return kb.name


async def draft_in(client, workspace: str) -> str:
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=bot_config())
        )
    )
    return draft.name


@pytest.fixture
async def tenants(client_factory) -> Tenants:
    owner, u = client_factory(), client_factory()
    a = await sign_up(owner, "owner")
    b = await join(owner, u, a.organization, ADMIN)
    members = await owner.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=a.organization)
    )
    (membership,) = [m.name for m in members.members if m.email == b.email]
    # U's own organization: the one made at U's sign-up.
    return Tenants(
        owner,
        u,
        a.organization,
        a.workspace,
        await kb_in(owner, a.workspace),
        await draft_in(owner, a.workspace),
        b.organization,
        b.workspace,
        await kb_in(u, b.workspace),
        await draft_in(u, b.workspace),
        await draft_in(u, b.workspace),
        membership,
    )


def text_document(parent: str, text: str, request_id: str):
    return knowledge_pb2.CreateDocumentRequest(
        parent=parent,
        document=knowledge_pb2.Document(display_name="faq.txt", content_type="text/plain"),
        text=text,
        request_id=request_id,
    )


async def upload_document(client, parent: str, text: str, request_id: str):
    content = text.encode()
    metadata = knowledge_pb2.UploadDocumentRequest.Metadata(
        parent=parent,
        display_name="faq.txt",
        content_type="text/plain",
        size_bytes=len(content),
        request_id=request_id,
    )
    return await client.knowledge.UploadDocument(
        iter(
            [
                knowledge_pb2.UploadDocumentRequest(metadata=metadata),
                knowledge_pb2.UploadDocumentRequest(chunk=content),
            ]
        )
    )


# Each create RPC: (tenants, "a" or "b" for the parent, a variant of its fields, request id)
# → the call's answer, whose .name is the created resource's.
Create = Callable[[Tenants, str, str, str], Awaitable]


def _workspace(t: Tenants, side: str, variant: str, rid: str):
    return t.u.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=t.org_a if side == "a" else t.org_b,
            workspace=tenant_pb2.Workspace(display_name=f"Team {variant}"),
            request_id=rid,
        )
    )


def _invitation(t: Tenants, side: str, variant: str, rid: str):
    return t.u.tenant.CreateInvitation(
        tenant_pb2.CreateInvitationRequest(
            parent=t.org_a if side == "a" else t.org_b,
            invitation=tenant_pb2.Invitation(
                email=f"guest-{variant}@example.com", role=common_pb2.ORGANIZATION_ROLE_MEMBER
            ),
            request_id=rid,
        )
    )


async def _api_key(t: Tenants, side: str, variant: str, rid: str):
    created = await t.u.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=t.ws_a if side == "a" else t.ws_b,
            api_key=auth_pb2.ApiKey(display_name=f"key {variant}", permissions=["chatbot.read"]),
            request_id=rid,
        )
    )
    return created.api_key


def _knowledge_base(t: Tenants, side: str, variant: str, rid: str):
    return t.u.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=t.ws_a if side == "a" else t.ws_b,
            knowledge_base=knowledge_pb2.KnowledgeBase(display_name=f"KB {variant}"),
            request_id=rid,
        )
    )


def _document(t: Tenants, side: str, variant: str, rid: str):
    return t.u.knowledge.CreateDocument(
        text_document(t.kb_a if side == "a" else t.kb_b, f"Answer {variant}.", rid)
    )


def _upload(t: Tenants, side: str, variant: str, rid: str):
    return upload_document(t.u, t.kb_a if side == "a" else t.kb_b, f"Answer {variant}.", rid)


def _start_upload(t: Tenants, side: str, variant: str, rid: str):
    return t.u.knowledge.StartUpload(
        knowledge_pb2.StartUploadRequest(
            parent=t.kb_a if side == "a" else t.kb_b,
            upload=knowledge_pb2.Upload(
                display_name=f"{variant}.txt", content_type="text/plain", size_bytes=10
            ),
            request_id=rid,
        )
    )


def _draft(t: Tenants, side: str, variant: str, rid: str):
    return t.u.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=t.ws_a if side == "a" else t.ws_b,
            chatbot_draft=bot_pb2.ChatbotDraft(config=bot_config(display_name=f"Bot {variant}")),
            request_id=rid,
        )
    )


def _finalize(t: Tenants, side: str, variant: str, rid: str):
    # Its one field is the draft: the other variant is another draft of the same workspace.
    draft = t.draft_a if side == "a" else t.draft_b if variant == "first" else t.draft_b2
    return t.u.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft, request_id=rid)
    )


SCOPED_CREATES: dict[str, Create] = {
    "CreateWorkspace": _workspace,
    "CreateInvitation": _invitation,
    "CreateApiKey": _api_key,
    "CreateKnowledgeBase": _knowledge_base,
    "CreateDocument": _document,
    "UploadDocument": _upload,
    "StartUpload": _start_upload,
    "CreateChatbotDraft": _draft,
    "FinalizeChatbotDraft": _finalize,
}


@pytest.mark.parametrize("rpc", SCOPED_CREATES)
async def test_a_replay_is_the_same_resource_until_the_caller_leaves(tenants, rpc):
    create = SCOPED_CREATES[rpc]
    first = await create(tenants, "a", "first", "R1")
    again = await create(tenants, "a", "first", "R1")
    assert again.name == first.name
    await tenants.owner.tenant.RemoveOrganizationMember(
        tenant_pb2.RemoveOrganizationMemberRequest(name=tenants.member_name)
    )
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND") as replay:
        await create(tenants, "a", "first", "R1")
    assert first.name not in replay.details.message
    # The same request id, with the caller's own tenant as the parent, is another request.
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED", {"request_id"}):
        await create(tenants, "b", "first", "R1")


# How each resource goes away: (client, name) -> the delete call.
DELETES = {
    "CreateWorkspace": lambda c, name: c.tenant.DeleteWorkspace(
        tenant_pb2.DeleteWorkspaceRequest(name=name)
    ),
    "CreateKnowledgeBase": lambda c, name: c.knowledge.DeleteKnowledgeBase(
        knowledge_pb2.DeleteKnowledgeBaseRequest(name=name)
    ),
    "CreateDocument": lambda c, name: c.knowledge.DeleteDocument(
        knowledge_pb2.DeleteDocumentRequest(name=name)
    ),
}


@pytest.mark.parametrize("rpc", DELETES)
async def test_a_replay_of_a_deleted_resource_is_not_found(tenants, rpc):
    """The default replay reads the row again: once it is gone, the retry says so rather
    than answering the old resource or making a new one."""
    first = await SCOPED_CREATES[rpc](tenants, "b", "first", "R9")
    await DELETES[rpc](tenants.u, first.name)
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND") as replay:
        await SCOPED_CREATES[rpc](tenants, "b", "first", "R9")
    assert first.name in replay.details.message


@pytest.mark.parametrize("rpc", SCOPED_CREATES)
async def test_a_request_id_reused_with_other_fields_is_refused(tenants, rpc):
    create = SCOPED_CREATES[rpc]
    first = await create(tenants, "b", "first", "R2")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED", {"request_id"}):
        await create(tenants, "b", "second", "R2")
    assert (await create(tenants, "b", "first", "R2")).name == first.name


async def test_create_organization_replays_as_the_caller_sees_it_now(client_factory):
    u, other = client_factory(), client_factory()
    await sign_up(u, "founder")

    def create(name: str, request_id: str = "R3"):
        return u.tenant.CreateOrganization(
            tenant_pb2.CreateOrganizationRequest(
                organization=tenant_pb2.Organization(display_name=name), request_id=request_id
            )
        )

    org = await create("Acme")
    assert org.role == common_pb2.ORGANIZATION_ROLE_OWNER
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "REQUEST_ID_REUSED", {"request_id"}):
        await create("Other name")
    # Another owner takes over, gives the organization a billing email, removes U.
    new_owner = await join(u, other, org.name, common_pb2.ORGANIZATION_ROLE_OWNER)
    members = await other.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=org.name)
    )
    (u_member,) = [m.name for m in members.members if m.email != new_owner.email]
    await other.tenant.UpdateOrganization(
        tenant_pb2.UpdateOrganizationRequest(
            organization=tenant_pb2.Organization(
                name=org.name, display_name="Secret name", billing_email=unique_email("billing")
            ),
            update_mask={"paths": ["display_name", "billing_email"]},
        )
    )
    await other.tenant.RemoveOrganizationMember(
        tenant_pb2.RemoveOrganizationMemberRequest(name=u_member)
    )
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND") as replay:
        await create("Acme")
    assert "Secret name" not in replay.details.message


async def test_request_ids_are_per_caller(client_factory):
    """Two callers using the same request id each get their own resource."""
    alice, bob = client_factory(), client_factory()
    a, b = await sign_up(alice), await sign_up(bob)
    first = await _knowledge_base_of(alice, a.workspace, "R4")
    second = await _knowledge_base_of(bob, b.workspace, "R4")
    assert first.name != second.name


def _knowledge_base_of(client, workspace: str, request_id: str):
    return client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=workspace,
            knowledge_base=knowledge_pb2.KnowledgeBase(display_name="Mine"),
            request_id=request_id,
        )
    )
