"""The chat widget in headless Chromium (Debian's ``chromium``, driven by ``playwright-core``
from web/widget/node_modules), through the real Envoy, server and enclave of each backend.

This module makes a published chatbot over one ingested document and serves host pages
from two origins other than Envoy's (one allowed, one not); web/widget/test/browser.mjs
drives the browser and writes what it saw to ``results.json``, which is checked here
against the API (feedback stored, the session continued after a reload). ``make test``
builds the widget first (``make widget``); the screenshot lands in the test's tmp folder.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
from pathlib import Path

import httpx
import pytest
from helpers import sign_up

from privexbot.dev import edge as edge_module
from privexbot.v1 import bot_pb2, knowledge_pb2

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

WIDGET = Path(__file__).resolve().parents[2] / "web" / "widget"
DOCUMENT = "# Returns\n\nRefunds are paid within fourteen days of the returned parcel arriving.\n"


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is not installed: run make services (scripts/services.sh)")
    return path


async def published_bot(client, me, origins: list[str]) -> tuple[bot_pb2.Chatbot, str, str]:
    """A chatbot over returns.md, published, with a revoked key and the current one."""
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=me.workspace, knowledge_base=knowledge_pb2.KnowledgeBase(display_name="Help")
        )
    )
    document = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name,
            document=knowledge_pb2.Document(
                display_name="returns.md", content_type="text/markdown"
            ),
            text=DOCUMENT,
        )
    )
    async with asyncio.timeout(120):
        while document.state != knowledge_pb2.Document.STATE_READY:
            assert document.state != knowledge_pb2.Document.STATE_FAILED
            await asyncio.sleep(0.1)
            document = await client.knowledge.GetDocument(
                knowledge_pb2.GetDocumentRequest(name=document.name)
            )
    config = bot_pb2.ChatbotConfig(
        display_name="Returns helper",
        system_prompt="You answer questions about returns.",
        greeting="Hi! Ask me about returns.",
        knowledge_bases=[kb.name],
        max_tokens=48,
        temperature=0.0,
        appearance={"theme": "dark", "primary_color": "#8250df"},
        allowed_origins=origins,
    )
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=me.workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )
    rotate = bot_pb2.RotatePublishableKeyRequest(name=bot.name)
    revoked = (await client.bot.RotatePublishableKey(rotate)).publishable_key
    key = (await client.bot.RotatePublishableKey(rotate)).publishable_key
    return bot, key, revoked


async def lead_bot(client, me, origin: str) -> tuple[bot_pb2.Chatbot, str]:
    """A chatbot that asks for contact details (and a company), with consent, before the
    first message."""
    config = bot_pb2.ChatbotConfig(
        display_name="Sales",
        max_tokens=8,
        allowed_origins=[origin],
        lead_capture=bot_pb2.LeadCapture(
            mode=bot_pb2.LeadCapture.MODE_BEFORE_CHAT,
            require_consent=True,
            consent_text="You may email me about my question.",
            fields=[bot_pb2.LeadField(key="company", label="Company", required=True)],
        ),
    )
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=me.workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=config)
        )
    )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )
    rotate = bot_pb2.RotatePublishableKeyRequest(name=bot.name)
    return bot, (await client.bot.RotatePublishableKey(rotate)).publishable_key


@pytest.mark.timeout(300)
async def test_the_widget_chats_in_chromium(edge, dead_edge, client, host_origins, tmp_path):
    script = WIDGET / "dist" / "widget.js"
    assert script.is_file(), "the widget is not built: run make widget"
    allowed, refused = host_origins
    me = await sign_up(client, "widget")
    # The host page's origin, and Envoy's own for the demo page it serves.
    bot, key, revoked = await published_bot(client, me, [allowed, edge])
    sales, sales_key = await lead_bot(client, me, allowed)
    # Envoy serves the bundle and the demo page with their types and caching.
    async with httpx.AsyncClient(base_url=edge, timeout=10) as http:
        served = await http.get("/widget/widget.js", headers={"origin": allowed})
        demo = await http.get("/widget/demo.html")
        # The widget RPC over REST too (its http rule).
        look = await http.get(
            f"/v1/{bot.name}/widget", headers={"x-publishable-key": key, "origin": allowed}
        )
    assert look.status_code == 200, look.text
    assert look.json()["greeting"] == "Hi! Ask me about returns."
    assert look.json()["appearance"] == {"theme": "dark", "primary_color": "#8250df"}
    assert served.status_code == 200 and served.content == script.read_bytes()
    assert served.headers["content-type"] == "text/javascript; charset=utf-8"
    assert served.headers["cache-control"] == "public, max-age=300"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert demo.status_code == 200 and demo.headers["content-type"] == "text/html; charset=utf-8"
    assert "PrivexBot widget demo" in demo.text

    with socket.socket() as probe:  # a port nothing listens on: the API as if Envoy were down
        probe.bind(("127.0.0.1", 0))
        unused = f"http://127.0.0.1:{probe.getsockname()[1]}"
    process = await asyncio.create_subprocess_exec(
        "node",
        "--test",
        "--test-reporter=spec",
        str(WIDGET / "test" / "browser.mjs"),
        cwd=WIDGET,
        env={
            **os.environ,
            "CHROMIUM": chromium(),
            "EDGE": edge,
            "ALLOWED_HOST": allowed,
            "REFUSED_HOST": refused,
            "CHATBOT": bot.name,
            "KEY": key,
            "REVOKED_KEY": revoked,
            "LEAD_CHATBOT": sales.name,
            "LEAD_KEY": sales_key,
            "UNREACHABLE_API": unused,
            "SERVER_DOWN_API": dead_edge,
            "OUTPUT_DIR": str(tmp_path),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    assert (tmp_path / "widget-answered.png").stat().st_size > 10_000

    # What the browser did is stored: the rating, and one session over the reload.
    seen = json.loads((tmp_path / "results.json").read_text())
    stored = await client.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=seen["session"]))
    assert stored.visitor_id == seen["visitor"]
    assert [m.role for m in stored.messages] == [
        bot_pb2.ChatMessage.ROLE_USER,
        bot_pb2.ChatMessage.ROLE_ASSISTANT,
    ] * 2, "the question after the reload continued the session"
    rated = {m.name: m.feedback.rating for m in stored.messages}
    assert rated[seen["rated_message"]] == bot_pb2.Feedback.RATING_THUMBS_UP
    # The lead form's details, with consent, are on the session it started.
    lead = json.loads((tmp_path / "lead.json").read_text())
    stored = await client.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=lead["session"]))
    assert stored.lead == bot_pb2.Lead(
        email="ada@example.com",
        display_name="Ada",
        consent=True,
        fields={"company": "Analytical Engines"},
    )


@pytest.fixture(scope="module")
async def dead_edge(envoy_binary):
    """An Envoy with a production CORS rule (the console's origin only) in front of a server
    that is down: preflights are Envoy's own answers, calls fail as UNAVAILABLE."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    envoy = edge_module.Envoy(
        "127.0.0.1",
        closed,
        port=0,
        admin_port=0,
        concurrency=1,
        cors_origin_regex=r"https://app\.example",
        wait_healthy=False,
    )
    await envoy.astart()
    yield envoy.url
    await envoy.astop()


async def test_any_website_may_call_the_widget_rpcs_and_only_those(dead_edge):
    """A website's preflight for the widget's gRPC-Web calls passes at the edge whatever
    CORS_ALLOWED_ORIGIN_REGEX says; for anything else it does not."""
    async with httpx.AsyncClient(base_url=dead_edge, timeout=10) as http:

        async def preflight(path: str, origin: str) -> str | None:
            reply = await http.options(
                path,
                headers={
                    "origin": origin,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type,x-grpc-web,x-publishable-key",
                },
            )
            return reply.headers.get("access-control-allow-origin")

        site = "https://shop.example"
        for rpc in ("GetChatbotWidget", "Chat", "SubmitFeedback"):
            assert await preflight(f"/privexbot.v1.BotService/{rpc}", site) == site
        assert await preflight("/privexbot.v1.BotService/GetChatbot", site) is None
        assert await preflight("/privexbot.v1.KnowledgeService/ListKnowledgeBases", site) is None
        app = "https://app.example"
        assert await preflight("/privexbot.v1.BotService/GetChatbot", app) == app


async def test_failures_read_as_sentences_in_node():
    """web/widget/test/messages.test.mjs: the sentence per failure (unit test, no stack)."""
    process = await asyncio.create_subprocess_exec(
        "node",
        "--test",
        str(WIDGET / "test" / "messages.test.mjs"),
        cwd=WIDGET,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
