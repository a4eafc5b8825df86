"""The tenants a fuzz run calls into: the caller (an organization owner with one resource of
every kind) and a stranger (another tenant whose ids the fuzzer names), built with real
calls; their names, page tokens, etags and other values fill the strategies' pools."""

from __future__ import annotations

import asyncio
import secrets

from google.protobuf import struct_pb2
from helpers import PASSWORD, caller_address, sign_up

from privexbot.client import Client
from privexbot.flows.nodes import registry
from privexbot.kernel import permissions
from privexbot.v1 import (
    auth_pb2,
    bot_pb2,
    common_pb2,
    flow_pb2,
    inference_pb2,
    knowledge_pb2,
    tenant_pb2,
)

from .names import Pools

CONTENT_TYPES = (
    "text/plain",
    "text/markdown",
    "text/html",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "image/png",
)

# Plausible secrets: a new password (sign-up, reset) and platform credentials of the
# shapes the channels check.
CREDENTIALS = {
    "password": PASSWORD,
    "new_password": PASSWORD + " again",
    "bot_token": "123456:fuzz-bot-token",
    "signing_secret": "0123456789abcdef0123456789abcdef",
    "public_key": "ab" * 32,
    "account_id": "123456789012345",
    "verify_token": "fuzz-verify-token",
}


class World:
    """The caller's access token and the pools; printed short (it is an argument of every
    falsifying example)."""

    def __init__(self, pools: Pools, access_token: str, clients: list[Client]) -> None:
        self.pools, self.access_token, self.clients = pools, access_token, clients

    def __repr__(self) -> str:
        return "World(...)"

    async def close(self) -> None:
        for client in self.clients:
            await client.close()


def _client(stack) -> Client:
    return Client(stack.target, extra_metadata=(("x-forwarded-for", caller_address()),))


def _graph() -> flow_pb2.ChatflowGraph:
    config = struct_pb2.Struct()
    config.update({"template": "Hello {{ sys.message }}"})
    answer = struct_pb2.Struct()
    answer.update({"text": "{{ greet.text }}"})
    graph = flow_pb2.ChatflowGraph()
    graph.nodes.add(id="start", type="start")
    graph.nodes.add(id="greet", type="template", config=config)
    graph.nodes.add(id="ans", type="answer", config=answer)
    graph.edges.add(id="e1", source="start", target="greet")
    graph.edges.add(id="e2", source="greet", target="ans")
    return graph


async def _tenant(client: Client, tag: str, pools: Pools, full: bool) -> dict:
    """A signed-up user's organization with a knowledge base, a document and a chatbot;
    ``full``: one of everything else too (the caller's)."""
    me = await sign_up(client, tag)
    ws = me.workspace
    made = [me.organization, ws, me.session.user.name]
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=ws, knowledge_base=knowledge_pb2.KnowledgeBase(display_name=f"{tag} kb")
        )
    )
    document = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name,
            document=knowledge_pb2.Document(display_name="a.md", content_type="text/markdown"),
            text="# Returns\n\nRefunds within 14 days.",
        )
    )
    config = bot_pb2.ChatbotConfig(display_name=f"{tag} bot", max_tokens=1)
    config.knowledge_bases.append(kb.name)
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=ws, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )
    made += [kb.name, document.name, bot.name, f"{bot.name}/versions/1"]
    pools.add_value("etag", kb.etag)
    pools.add_value("etag", bot.etag)
    pools.add_value("email", me.email)
    if full:
        made += await _everything_else(client, me, kb, bot, pools)
    for name in made:
        pools.add_name(name, own=full)
    return {"user": me, "bot": bot}


async def _everything_else(client: Client, me, kb, bot, pools: Pools) -> list[str]:
    org, ws = me.organization, me.workspace
    extra = await client.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=org, workspace=tenant_pb2.Workspace(display_name="fuzz extra")
        )
    )
    second_kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=ws, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="second")
        )
    )
    upload = await client.knowledge.StartUpload(
        knowledge_pb2.StartUploadRequest(
            parent=kb.name,
            upload=knowledge_pb2.Upload(
                display_name="u.txt", content_type="text/plain", size_bytes=10
            ),
        )
    )
    key = await client.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=ws,
            api_key=auth_pb2.ApiKey(display_name="fuzz", permissions=["workspace.read"]),
        )
    )
    invitation = await client.tenant.CreateInvitation(
        tenant_pb2.CreateInvitationRequest(
            parent=org,
            invitation=tenant_pb2.Invitation(
                email=f"invitee-{secrets.token_hex(4)}@example.com",
                role=common_pb2.ORGANIZATION_ROLE_MEMBER,
            ),
        )
    )
    kept_draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=ws,
            chatbot_draft=bot_pb2.ChatbotDraft(config=bot_pb2.ChatbotConfig(display_name="d")),
        )
    )
    chat = [
        e
        async for e in client.bot.Chat(
            bot_pb2.ChatRequest(name=bot.name, message="hi", visitor_id="fuzz-visitor")
        )
    ]
    flow_draft = await client.flow.CreateChatflowDraft(
        flow_pb2.CreateChatflowDraftRequest(
            parent=ws, chatflow_draft=flow_pb2.ChatflowDraft(display_name="F", graph=_graph())
        )
    )
    flow = await client.flow.FinalizeChatflowDraft(
        flow_pb2.FinalizeChatflowDraftRequest(name=flow_draft.name)
    )
    kept_flow_draft = await client.flow.CreateChatflowDraft(
        flow_pb2.CreateChatflowDraftRequest(
            parent=ws, chatflow_draft=flow_pb2.ChatflowDraft(display_name="G", graph=_graph())
        )
    )
    run = [
        e
        async for e in client.flow.ExecuteChatflow(
            flow_pb2.ExecuteChatflowRequest(name=flow.name, message="hi")
        )
    ][0].run_started
    secret = await client.flow.CreateChatflowSecret(
        flow_pb2.CreateChatflowSecretRequest(
            parent=ws,
            chatflow_secret_id="fuzz-secret",
            chatflow_secret=flow_pb2.ChatflowSecret(value="s3cret"),
        )
    )
    channel = await client.bot.CreateChannel(
        bot_pb2.CreateChannelRequest(
            parent=ws,
            channel=bot_pb2.Channel(
                target=bot.name,
                platform=bot_pb2.Channel.PLATFORM_TELEGRAM,
                credentials=bot_pb2.ChannelCredentials(
                    bot_token="123456:fuzz-" + secrets.token_hex(8)
                ),
            ),
        )
    )
    me_now = await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    await _page_tokens(client, org, ws, pools)
    models = await client.inference.ListModels(inference_pb2.ListModelsRequest(parent=ws))
    for model in models.models:
        pools.add_value("model", model.id)
    for value in CONTENT_TYPES:
        pools.add_value("content_type", value)
    for value in registry.names():
        pools.add_value("type", value)
    for value in ("telegram", "slack", "discord", "whatsapp"):
        pools.add_value("platform", value)
    for value in sorted(permissions.WORKSPACE_PERMISSIONS):
        pools.add_value("permissions", value)
    for value in ("10.0.0.0/8", "2001:db8::/32", "127.0.0.1/32"):
        pools.add_value("allowed_cidrs", value)
    for name, value in CREDENTIALS.items():
        pools.add_value(name, value)
    pools.add_value("channel", channel.name.rsplit("/", 1)[1])
    pools.add_value("visitor_id", "fuzz-visitor")
    pools.add_value("token", invitation.token)
    pools.add_value("etag", flow.etag)
    pools.add_value("etag", channel.etag)
    session, message = chat[0].session_started.session, chat[-1].done.message
    return [
        extra.name,
        second_kb.name,
        upload.name,
        key.api_key.name,
        invitation.name,
        kept_draft.name,
        session,
        message,
        flow.name,
        kept_flow_draft.name,
        run.run,
        run.session,
        f"{flow.name}/versions/1",
        secret.name,
        channel.name,
        f"{org}/members/{me.session.user.name.split('/')[1]}",
        f"{ws}/members/{me.session.user.name.split('/')[1]}",
        *(identity.name for identity in me_now.identities),
    ]


async def _page_tokens(client: Client, org: str, ws: str, pools: Pools) -> None:
    """Real next-page tokens (each bound to its own query)."""
    replies = [
        await client.tenant.ListWorkspaces(
            tenant_pb2.ListWorkspacesRequest(parent=org, page_size=1)
        ),
        await client.knowledge.ListKnowledgeBases(
            knowledge_pb2.ListKnowledgeBasesRequest(parent=ws, page_size=1)
        ),
        await client.tenant.ListAuditEvents(
            tenant_pb2.ListAuditEventsRequest(parent=org, page_size=1)
        ),
    ]
    for reply in replies:
        pools.page_tokens.append(reply.next_page_token)
    for event in replies[-1].audit_events:
        pools.add_name(event.name)


async def build(stack) -> World:
    """The caller's tenant (one of everything) and the stranger's (a few things), built side
    by side. The caller's own session is never in the pools (so RevokeSession cannot end the
    fuzzer's token); the stranger's is."""
    pools = Pools()
    caller, stranger = _client(stack), _client(stack)
    _, theirs = await asyncio.gather(
        _tenant(caller, "fuzz", pools, full=True), _tenant(stranger, "stranger", pools, full=False)
    )
    user = theirs["user"].session.user.name
    listed = await stranger.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=user))
    for session in listed.sessions:
        pools.add_name(session.name, own=False)
    return World(pools, caller.access_token, [caller, stranger])
