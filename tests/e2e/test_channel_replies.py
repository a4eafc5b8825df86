"""A chatbot answering on Telegram, Slack, Discord and WhatsApp, end to end: a message signed
the platform's way reaches the real server through the real Envoy, is acknowledged at
once, becomes a chat turn with the real enclave over a knowledge base holding the shipped
handbook, and the reply — citing the handbook — arrives at the local platform server
(tests/platform_apis.py) through the platform's send API. A replay is acknowledged and
answered once; a bad signature and a stale timestamp are refused (401) and audited, and
answered never. One stack and one chatbot for the module."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from helpers import caller_address, sign_up
from sqlalchemy import select

from privexbot.store.chat_models import ChatSession
from privexbot.store.models import AuditEvent
from privexbot.v1 import bot_pb2, knowledge_pb2

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

HANDBOOK = Path(__file__).resolve().parents[1] / "data" / "knowledge" / "handbook.md"
QUESTION = "How often does the office wifi password rotate?"
PLATFORM = {
    "telegram": bot_pb2.Channel.PLATFORM_TELEGRAM,
    "slack": bot_pb2.Channel.PLATFORM_SLACK,
    "discord": bot_pb2.Channel.PLATFORM_DISCORD,
    "whatsapp": bot_pb2.Channel.PLATFORM_WHATSAPP,
}


@pytest.fixture(scope="module")
async def owner(stack):
    """A signed-in owner and a published chatbot over the handbook: (client, workspace, bot)."""
    from privexbot.client import Client

    client = Client(stack.target, extra_metadata=(("x-forwarded-for", caller_address()),))
    me = await sign_up(client, "channelreplies")
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=me.workspace,
            knowledge_base=knowledge_pb2.KnowledgeBase(
                display_name="Handbook",
                chunking=knowledge_pb2.ChunkingSettings(chunk_size=400, chunk_overlap=50),
            ),
        )
    )
    doc = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name,
            document=knowledge_pb2.Document(
                display_name="handbook.md", content_type="text/markdown"
            ),
            content=HANDBOOK.read_bytes(),
        )
    )
    async with asyncio.timeout(120):
        async for event in client.knowledge.WatchIngestion(
            knowledge_pb2.WatchIngestionRequest(name=doc.name)
        ):
            state = event.state
    assert state == knowledge_pb2.Document.STATE_READY
    config = bot_pb2.ChatbotConfig(
        display_name="Office helper",
        knowledge_bases=[kb.name],
        max_tokens=24,
        temperature=0.0,
        grounding_mode=bot_pb2.GROUNDING_MODE_STRICT,
    )
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=me.workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )
    yield client, me.workspace, bot.name
    await client.close()


async def connect(owner, platform: str, **credentials) -> str:
    """A channel of the module's chatbot on ``platform``; its webhook path."""
    client, workspace, bot = owner
    channel = await client.bot.CreateChannel(
        bot_pb2.CreateChannelRequest(
            parent=workspace,
            channel=bot_pb2.Channel(
                target=bot,
                platform=PLATFORM[platform],
                credentials=bot_pb2.ChannelCredentials(**credentials),
            ),
        )
    )
    return channel.webhook_path


async def post(edge: str, path: str, body: bytes, headers: dict) -> httpx.Response:
    async with httpx.AsyncClient(base_url=edge, timeout=10) as http:
        started = time.monotonic()
        reply = await http.post(path, content=body, headers=headers)
    # Acknowledged before the turn runs: the platforms want an answer within 3 s.
    assert time.monotonic() - started < 3.0, reply.text
    return reply


def grounded(text: str) -> None:
    """The chatbot's answer, from the handbook's wifi paragraph, with the handbook cited."""
    answer, _, sources = text.partition("\n\nSources:\n")
    assert "90 days" in answer and sources == "[1] handbook.md", text


async def replied(platform_apis, token: str, text_of) -> list:
    """The calls made with ``token`` until the whole reply (with its sources) was shown; a
    slow reply is shown while written first (sent, then edited at most once a second). The
    last call holds the whole reply, and nothing follows it (a replay is not answered). A
    call the platform refused (429) does not count as shown."""
    answered = 1 if "throttled" in token else 0  # the first call of such a token gets a 429
    calls = await platform_apis.wait_for(
        token,
        until=lambda calls: any("Sources:" in text_of(c.payload) for c in calls[answered:]),
    )
    grounded(text_of(calls[-1].payload))
    written = [text_of(c.payload) for c in calls[answered:-1] if text_of(c.payload)]
    assert all(t.endswith(" …") for t in written), written
    await asyncio.sleep(1.0)
    assert platform_apis.to(token) == calls
    return calls


async def refused(stack, path: str) -> list[str]:
    async with stack.running.platform.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.resource.endswith(path.rsplit("/", 1)[1]))
            )
        ).scalars()
        return sorted(r.details["reason"] for r in rows if r.action == "channel.webhook_refused")


async def test_telegram_message_answered_in_its_session(edge, stack, owner, platform_apis):
    token = "7000:tg-" + secrets.token_hex(6)
    path = await connect(owner, "telegram", bot_token=token)
    secret = platform_apis.to(token)[0].payload["secret_token"]
    update = {
        "update_id": 900001,
        "message": {
            "message_id": 11,
            "from": {"id": 4242, "is_bot": False, "first_name": "Ada"},
            "chat": {"id": 4242, "type": "private"},
            "date": int(time.time()),
            "text": QUESTION,
        },
    }
    body = json.dumps(update).encode()
    headers = {"content-type": "application/json", "x-telegram-bot-api-secret-token": secret}
    first = await post(edge, path, body, headers)
    assert first.status_code == 200 and first.json() == {}
    replay = await post(edge, path, body, headers)  # Telegram's redelivery: acknowledged
    assert replay.status_code == 200
    bad = await post(edge, path, body, {**headers, "x-telegram-bot-api-secret-token": "x"})
    assert bad.status_code == 401
    registered, sent, *edits = await replied(platform_apis, token, lambda p: p.get("text", ""))
    assert registered.method == "setWebhook" and sent.method == "sendMessage"
    assert sent.payload["chat_id"] == 4242 and sent.payload["reply_parameters"] == {
        "message_id": 11
    }
    assert all(
        e.method == "editMessageText" and e.payload["message_id"] == sent.made for e in edits
    )
    assert await refused(stack, path) == ["BAD_SIGNATURE"]

    # The conversation is one session of the chatbot, counted for its channel.
    client, workspace, bot = owner
    analytics = await client.bot.GetChatbotAnalytics(
        bot_pb2.GetChatbotAnalyticsRequest(name=bot + "/analytics")
    )
    channel_id = path.rsplit("/", 1)[1]
    counted = {c.channel: c.conversations for c in analytics.channel_conversations}
    assert counted[workspace + "/channels/" + channel_id] == 1
    async with stack.running.platform.sessions() as session:
        query = select(ChatSession).where(ChatSession.channel_id == channel_id)
        (row,) = (await session.execute(query)).scalars()
    assert row.visitor_id == "telegram:4242:4242" and row.message_count == 2


def slack_signed(secret: str, body: bytes, ts: int) -> dict:
    base = b"v0:" + str(ts).encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "content-type": "application/json",
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": signature,
    }


async def test_slack_mention_answered_after_a_429(edge, stack, owner, platform_apis):
    token = "xoxb-throttled-" + secrets.token_hex(6)
    path = await connect(owner, "slack", bot_token=token, signing_secret="slack-e2e")
    event = {
        "type": "event_callback",
        "event_id": "Ev" + secrets.token_hex(4),
        "event_time": int(time.time()),
        "event": {
            "type": "app_mention",
            "user": "U42",
            "text": "<@U0BOT> " + QUESTION,
            "channel": "C42",
            "ts": "1700000000.000100",
        },
    }
    body = json.dumps(event).encode()
    now = int(time.time())
    assert (await post(edge, path, body, slack_signed("slack-e2e", body, now))).json() == {}
    retry = await post(edge, path, body, slack_signed("slack-e2e", body, now))  # Slack retries
    assert retry.status_code == 200
    stale = await post(edge, path, body, slack_signed("slack-e2e", body, now - 400))
    forged = await post(edge, path, body, slack_signed("not-the-secret", body, now))
    assert stale.status_code == forged.status_code == 401
    throttled, sent, *edits = await replied(platform_apis, token, lambda p: p["text"])
    # 429 with Retry-After: 1, then the same message again.
    assert sent.at - throttled.at >= 0.9 and sent.payload == throttled.payload
    assert sent.method == "chat.postMessage" and sent.payload["channel"] == "C42"
    assert all(e.method == "chat.update" and e.payload["channel"] == "C42" for e in edits)
    assert await refused(stack, path) == ["BAD_SIGNATURE", "STALE_TIMESTAMP"]


async def test_discord_command_deferred_then_followed_up(edge, stack, owner, platform_apis):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    path = await connect(owner, "discord", bot_token="d", public_key=public, account_id="77")
    interaction_token = "throttled-" + secrets.token_hex(12)
    interaction = {
        "type": 2,
        "id": "int-" + secrets.token_hex(4),
        "application_id": "77",
        "token": interaction_token,
        "channel_id": "C9",
        "member": {"user": {"id": "U9"}},
        "data": {"name": "ask", "options": [{"name": "question", "type": 3, "value": QUESTION}]},
    }
    body = json.dumps(interaction).encode()

    def signed(ts: int, by=key) -> dict:
        signature = by.sign(str(ts).encode() + body).hex()
        return {"x-signature-ed25519": signature, "x-signature-timestamp": str(ts)}

    now = int(time.time())
    assert (await post(edge, path, body, signed(now))).json() == {"type": 5}
    assert (await post(edge, path, body, signed(now))).json() == {"type": 5}  # a replay
    stale = await post(edge, path, body, signed(now - 400))
    forged = await post(edge, path, body, signed(now, Ed25519PrivateKey.generate()))
    assert stale.status_code == forged.status_code == 401
    calls = await replied(platform_apis, interaction_token, lambda p: p["content"])
    throttled, sent = calls[:2]
    assert sent.at - throttled.at >= 0.4  # the body's retry_after (0.5 s) was waited
    assert {(c.method, c.target) for c in calls} == {("editOriginal", "77")}
    assert await refused(stack, path) == ["BAD_SIGNATURE", "STALE_TIMESTAMP"]


async def test_whatsapp_message_answered(edge, stack, owner, platform_apis):
    token = "EAAG-" + secrets.token_hex(6)
    path = await connect(
        owner, "whatsapp", bot_token=token, signing_secret="app-secret-e2e",
        account_id="1055", verify_token="vt",
    )  # fmt: skip
    notification = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"phone_number_id": "1055"},
                            "contacts": [{"wa_id": "15550001", "profile": {"name": "Ada"}}],
                            "messages": [
                                {
                                    "from": "15550001",
                                    "id": "wamid." + secrets.token_hex(6),
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": QUESTION},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    body = json.dumps(notification).encode()
    signature = "sha256=" + hmac.new(b"app-secret-e2e", body, hashlib.sha256).hexdigest()
    headers = {"content-type": "application/json", "x-hub-signature-256": signature}
    assert (await post(edge, path, body, headers)).status_code == 200
    assert (await post(edge, path, body, headers)).status_code == 200  # redelivered
    tampered = await post(edge, path, body.replace(b"Ada", b"Eve"), headers)
    assert tampered.status_code == 401
    (sent,) = await replied(platform_apis, token, lambda p: p["text"]["body"])  # no edits
    assert sent.method == "messages" and sent.target == "1055"
    assert sent.payload["to"] == "15550001" and sent.payload["type"] == "text"
    assert await refused(stack, path) == ["BAD_SIGNATURE"]
