"""BotService over the real stack: PostgreSQL/SQLite, Redis, milvus-lite and the enclave's
real models. A chatbot over the shipped handbook answers with citations naming the chunk
that holds the answer; every exchange is stored and shows up in sessions and analytics;
publishable keys reach Chat and SubmitFeedback of their one chatbot and nothing else."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from helpers import error_details, join, raises, sign_up
from sqlalchemy import update
from test_knowledge import ingest, new_kb

from privexbot.bots import prompt
from privexbot.kernel.ids import new_id
from privexbot.store.chat_models import ChatMessage, ChatSession
from privexbot.store.models import Organization
from privexbot.v1 import (
    auth_pb2,
    bot_pb2,
    common_pb2,
    inference_pb2,
    knowledge_pb2,
    tenant_pb2,
)

WIFI_QUESTION = "How often does the office wifi password rotate?"
OFF_TOPIC = "What is the capital city of Mongolia?"
EXPENSES_QUESTION = "When are expense reports due?"
ORIGIN = "https://shop.example.com"
STRICT = bot_pb2.GROUNDING_MODE_STRICT
UP, DOWN = bot_pb2.Feedback.RATING_THUMBS_UP, bot_pb2.Feedback.RATING_THUMBS_DOWN


async def handbook_kb(client, workspace: str) -> str:
    """The shipped handbook in 400-character chunks: each answer sits in one chunk."""
    kb = await new_kb(
        client,
        workspace,
        chunking=knowledge_pb2.ChunkingSettings(chunk_size=400, chunk_overlap=50),
    )
    await ingest(client, kb.name, "handbook.md")
    return kb.name


def bot_config(kb: str = "", **config) -> bot_pb2.ChatbotConfig:
    settings = {"display_name": "Helper", "max_tokens": 16, "temperature": 0.0, **config}
    if kb:
        settings["knowledge_bases"] = [kb]
    return bot_pb2.ChatbotConfig(**settings)


async def new_draft(client, workspace: str, kb: str = "", **config) -> bot_pb2.ChatbotDraft:
    return await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=workspace, chatbot_draft=bot_pb2.ChatbotDraft(config=bot_config(kb, **config))
        )
    )


async def new_bot(client, workspace: str, kb: str = "", **config) -> bot_pb2.Chatbot:
    draft = await new_draft(client, workspace, kb, **config)
    return await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )


async def chat(client, bot: str, message: str, **fields) -> list[bot_pb2.ChatEvent]:
    async with asyncio.timeout(120):
        return [
            e
            async for e in client.bot.Chat(bot_pb2.ChatRequest(name=bot, message=message, **fields))
        ]


def kinds(events) -> list[str]:
    return [e.WhichOneof("event") for e in events]


def reply_text(events) -> str:
    return "".join(e.delta.text for e in events if e.HasField("delta"))


def done(events) -> bot_pb2.ChatEvent.Done:
    return events[-1].done


async def get_session(client, name: str, **fields) -> bot_pb2.ChatSession:
    return await client.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=name, **fields))


def widget(client_factory, key: str, origin: str = ORIGIN):
    extra = (("origin", origin),) if origin else ()
    client = client_factory(publishable_key=key)
    client.extra_metadata = client.extra_metadata + extra
    return client


async def publishable_key(client, bot: str) -> str:
    reply = await client.bot.RotatePublishableKey(bot_pb2.RotatePublishableKeyRequest(name=bot))
    assert reply.publishable_key.startswith("pxbpk_")
    assert reply.chatbot.publishable_key_prefix and reply.chatbot.publishable_key_prefix in (
        reply.publishable_key
    )
    return reply.publishable_key


# ---- drafts ---------------------------------------------------------------------------------


async def test_a_draft_is_edited_tested_and_finalized_once(client):
    me = await sign_up(client, "drafter")
    draft = await new_draft(client, me.workspace, greeting="Hi!")
    assert draft.name.startswith(me.workspace + "/chatbotDrafts/")
    assert draft.expire_time.ToDatetime() > datetime.now() + timedelta(days=6)
    fetched = await client.bot.GetChatbotDraft(bot_pb2.GetChatbotDraftRequest(name=draft.name))
    assert fetched.config.greeting == "Hi!" and fetched.etag == draft.etag

    edit = bot_pb2.ChatbotDraft(
        name=draft.name, etag=draft.etag, config=bot_pb2.ChatbotConfig(system_prompt="Be terse.")
    )
    mask = field_mask_pb2.FieldMask(paths=["config.system_prompt"])
    updated = await client.bot.UpdateChatbotDraft(
        bot_pb2.UpdateChatbotDraftRequest(chatbot_draft=edit, update_mask=mask)
    )
    assert updated.config.system_prompt == "Be terse." and updated.config.greeting == "Hi!"
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await client.bot.UpdateChatbotDraft(
            bot_pb2.UpdateChatbotDraftRequest(chatbot_draft=edit, update_mask=mask)
        )

    # Test chat before the chatbot exists; the test session continues.
    async with asyncio.timeout(120):
        first = [
            e
            async for e in client.bot.TestChatbotDraft(
                bot_pb2.TestChatbotDraftRequest(name=draft.name, message="Say hello.")
            )
        ]
    assert kinds(first)[0] == "session_started" and kinds(first)[-1] == "done"
    assert reply_text(first) and "attestation" in kinds(first)
    test_session = first[0].session_started.session
    assert test_session.startswith(draft.name + "/sessions/")
    async with asyncio.timeout(120):
        again = [
            e
            async for e in client.bot.TestChatbotDraft(
                bot_pb2.TestChatbotDraftRequest(
                    name=draft.name, session=test_session, message="And again."
                )
            )
        ]
    assert again[0].session_started.session == test_session

    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await client.bot.FinalizeChatbotDraft(
            bot_pb2.FinalizeChatbotDraftRequest(name=draft.name, etag=draft.etag)
        )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name, etag=updated.etag, request_id="f1")
    )
    assert bot.name.startswith(me.workspace + "/chatbots/")
    assert bot.published_version == 1 and bot.published_config == bot.config
    assert bot.config.system_prompt == "Be terse." and bot.creator == me.session.user.name
    # A retry after the draft is gone returns the same chatbot; the draft and its test
    # sessions are gone.
    retried = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name, request_id="f1")
    )
    assert retried.name == bot.name
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.bot.GetChatbotDraft(bot_pb2.GetChatbotDraftRequest(name=draft.name))
    async with raises(grpc.StatusCode.NOT_FOUND):
        async for _ in client.bot.TestChatbotDraft(
            bot_pb2.TestChatbotDraftRequest(name=draft.name, session=test_session, message="x")
        ):
            pass
    listed = await client.bot.ListChatbots(bot_pb2.ListChatbotsRequest(parent=me.workspace))
    assert [b.name for b in listed.chatbots] == [bot.name]


async def test_draft_and_chatbot_input_is_checked(client, client_factory):
    me = await sign_up(client, "checker")
    other = await client.tenant.CreateWorkspace(
        tenant_pb2.CreateWorkspaceRequest(
            parent=me.organization, workspace=tenant_pb2.Workspace(display_name="Other")
        )
    )
    elsewhere = await new_kb(client, other.name)
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT,
        "KNOWLEDGE_BASE_OUTSIDE_WORKSPACE",
        {"chatbot_draft.config.knowledge_bases"},
    ):
        await new_draft(client, me.workspace, elsewhere.name)
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT,
        "KNOWLEDGE_BASE_NOT_FOUND",
        {"chatbot_draft.config.knowledge_bases"},
    ):
        await new_draft(client, me.workspace, f"{me.workspace}/knowledgeBases/{new_id()}")
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "UNKNOWN_MODEL", {"chatbot_draft.config.model"}
    ):
        await new_draft(client, me.workspace, model="gpt-17")
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, fields={"chatbot_draft.config.allowed_origins"}
    ):
        await new_draft(client, me.workspace, allowed_origins=["shop.example.com/path"])
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT,
        fields={
            "chatbot_draft.config.temperature",
            "chatbot_draft.config.max_tokens",
            "chatbot_draft.config.system_prompt",
        },
    ):
        await new_draft(
            client, me.workspace, temperature=3.0, max_tokens=0, system_prompt="x" * 8001
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await new_draft(client, me.organization)
    nameless = await new_draft(client, me.workspace, display_name="")
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "CONFIG_INCOMPLETE"):
        await client.bot.FinalizeChatbotDraft(
            bot_pb2.FinalizeChatbotDraftRequest(name=nameless.name)
        )
    bot = await new_bot(client, me.workspace)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"update_mask"}):
        await client.bot.UpdateChatbot(
            bot_pb2.UpdateChatbotRequest(
                chatbot=bot_pb2.Chatbot(name=bot.name),
                update_mask=field_mask_pb2.FieldMask(paths=["published_version"]),
            )
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"message"}):
        await chat(client, bot.name, "")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"message", "visitor_id"}):
        await chat(client, bot.name, "x" * 4001, visitor_id="no spaces allowed")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"session"}):
        await chat(client, bot.name, "hi", session="sessions/1")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        await get_session(client, bot.name)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"start_time"}):
        now = Timestamp()
        now.GetCurrentTime()
        await client.bot.GetChatbotAnalytics(
            bot_pb2.GetChatbotAnalyticsRequest(
                name=bot.name + "/analytics", start_time=now, end_time=now
            )
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await chat(client_factory(), bot.name, "hi")


# ---- grounded chat --------------------------------------------------------------------------


async def test_a_grounded_answer_cites_the_chunk_that_holds_it(client):
    me = await sign_up(client, "bot")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb)
    events = await chat(client, bot.name, WIFI_QUESTION)
    order = kinds(events)
    assert order[0] == "session_started" and order[-1] == "done", order
    assert order.count("delta") > 1, order
    last_delta = max(i for i, k in enumerate(order) if k == "delta")
    assert last_delta < order.index("citations") < order.index("usage") < order.index("attestation")
    cited = next(e for e in events if e.HasField("citations")).citations.citations
    top = (
        await client.knowledge.SearchKnowledgeBase(
            knowledge_pb2.SearchKnowledgeBaseRequest(name=kb, query=WIFI_QUESTION)
        )
    ).results[0]
    assert "rotates every 90 days" in top.text
    assert cited[0].citation == top.citation and cited[0].score == pytest.approx(top.score)
    assert next(e for e in events if e.HasField("attestation")).attestation.state == (
        common_pb2.AttestationVerdict.STATE_UNATTESTED_DEVELOPMENT
    )
    usage = next(e for e in events if e.HasField("usage")).usage
    assert usage.prompt_tokens > 50 and 0 < usage.completion_tokens <= 16

    # Both messages are stored, the reply with its citations, usage and version.
    finished = done(events)
    assert not finished.incomplete and finished.message.startswith(bot.name + "/sessions/")
    session = await get_session(client, events[0].session_started.session)
    question, answer = session.messages
    assert session.message_count == 2 and session.visitor_id == me.session.user.name
    assert question.role == bot_pb2.ChatMessage.ROLE_USER and question.content == WIFI_QUESTION
    assert answer.name == finished.message and answer.content == reply_text(events)
    assert list(answer.citations) == list(cited) and answer.chatbot_version == 1
    assert answer.usage == usage and answer.finish_reason in (
        inference_pb2.FINISH_REASON_STOP,
        inference_pb2.FINISH_REASON_LENGTH,
    )


async def test_strict_grounding_refuses_an_off_topic_question(client):
    me = await sign_up(client, "strict")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb, grounding_mode=STRICT)
    events = await chat(client, bot.name, OFF_TOPIC)
    assert reply_text(events) == prompt.STRICT_REFUSAL
    assert "citations" not in kinds(events) and "usage" not in kinds(events)
    # On topic, the same chatbot answers from the handbook.
    grounded = await chat(client, bot.name, WIFI_QUESTION)
    assert reply_text(grounded) != prompt.STRICT_REFUSAL and "citations" in kinds(grounded)


async def test_a_session_continues_with_its_history_and_only_for_its_visitor(
    client, client_factory
):
    me = await sign_up(client, "talker")
    bot = await new_bot(client, me.workspace, memory_window=4)
    first = await chat(client, bot.name, "My name is Ada.")
    session = first[0].session_started.session
    second = await chat(client, bot.name, "What is my name?", session=session)
    assert second[0].session_started.session == session
    usage = [next(e for e in ev if e.HasField("usage")).usage for ev in (first, second)]
    assert usage[1].prompt_tokens > usage[0].prompt_tokens  # the history went into the prompt
    stored = await get_session(client, session, message_page_size=3)
    assert stored.message_count == 4 and len(stored.messages) == 3
    rest = await get_session(client, session, message_page_token=stored.next_message_page_token)
    assert len(rest.messages) == 1 and not rest.next_message_page_token
    assert [m.role for m in [*stored.messages, *rest.messages]] == [1, 2, 1, 2]

    colleague = client_factory()
    await join(
        client,
        colleague,
        me.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(me.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    # A session belongs to its chatbot: naming it under another bot finds nothing.
    other = await new_bot(client, me.workspace)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await chat(client, other.name, "hi", session=session.replace(bot.name, other.name))
    await get_session(colleague, session)  # members may read every session...
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "NOT_YOUR_SESSION"):
        await chat(colleague, bot.name, "hi", session=session)  # ...but not speak in it


async def test_cancelling_stores_the_partial_reply_marked_incomplete(client):
    me = await sign_up(client, "canceller")
    bot = await new_bot(client, me.workspace, max_tokens=1500)
    call = client.bot.Chat(
        bot_pb2.ChatRequest(name=bot.name, message="Count from 1 to 500, one number a line.")
    )
    session, deltas = "", 0
    async for event in call:
        session = session or event.session_started.session
        deltas += event.HasField("delta")
        if deltas == 5:
            break
    call.cancel()
    async with asyncio.timeout(10):
        while True:
            stored = await get_session(client, session)
            if stored.message_count == 2:
                break
            await asyncio.sleep(0.05)
    answer = stored.messages[1]
    assert answer.incomplete and answer.finish_reason == inference_pb2.FINISH_REASON_CANCELLED
    assert answer.content  # what was produced is kept


async def test_publishing_freezes_a_version_and_chat_uses_it(client):
    me = await sign_up(client, "publisher")
    bot = await new_bot(client, me.workspace, system_prompt="Version one.")
    edited = await client.bot.UpdateChatbot(
        bot_pb2.UpdateChatbotRequest(
            chatbot=bot_pb2.Chatbot(
                name=bot.name, etag=bot.etag, config=bot_pb2.ChatbotConfig(system_prompt="Two.")
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["config.system_prompt"]),
        )
    )
    assert edited.config.system_prompt == "Two."
    assert edited.published_config.system_prompt == "Version one."
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):
        await client.bot.PublishChatbot(bot_pb2.PublishChatbotRequest(name=bot.name, etag=bot.etag))
    events = await chat(client, bot.name, "Hello")
    answer = (await get_session(client, events[0].session_started.session)).messages[1]
    assert answer.chatbot_version == 1
    published = await client.bot.PublishChatbot(
        bot_pb2.PublishChatbotRequest(name=bot.name, etag=edited.etag)
    )
    assert published.published_version == 2
    assert published.published_config.system_prompt == "Two."
    events = await chat(client, bot.name, "Hello")
    answer = (await get_session(client, events[0].session_started.session)).messages[1]
    assert answer.chatbot_version == 2


async def test_deleting_a_chatbot_removes_its_sessions_and_key(client, client_factory):
    me = await sign_up(client, "deleter")
    bot = await new_bot(client, me.workspace, allowed_origins=["*"])
    key = await publishable_key(client, bot.name)
    events = await chat(client, bot.name, "Hello")
    async with raises(grpc.StatusCode.ABORTED):
        await client.bot.DeleteChatbot(bot_pb2.DeleteChatbotRequest(name=bot.name, etag="stale"))
    await client.bot.DeleteChatbot(bot_pb2.DeleteChatbotRequest(name=bot.name))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await get_session(client, events[0].session_started.session)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.bot.GetChatbot(bot_pb2.GetChatbotRequest(name=bot.name))
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "PUBLISHABLE_KEY_INVALID"):
        await chat(widget(client_factory, key), bot.name, "hi", visitor_id="v1")


# ---- end users ------------------------------------------------------------------------------


async def test_a_publishable_key_chats_with_its_bot_and_reaches_nothing_else(
    client, client_factory
):
    me = await sign_up(client, "site")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb, allowed_origins=[ORIGIN])
    sibling = await new_bot(client, me.workspace, allowed_origins=["*"])
    key = await publishable_key(client, bot.name)
    visitor = widget(client_factory, key)

    events = await chat(visitor, bot.name, WIFI_QUESTION, visitor_id="visitor-1")
    session = events[0].session_started.session
    assert "citations" in kinds(events)
    feedback = await visitor.bot.SubmitFeedback(
        bot_pb2.SubmitFeedbackRequest(
            name=done(events).message, rating=UP, comment="spot on", visitor_id="visitor-1"
        )
    )
    assert feedback.rating == UP and feedback.message == done(events).message

    # Its own bot only, its own visitor's sessions only.
    async with raises(grpc.StatusCode.NOT_FOUND):
        await chat(visitor, sibling.name, "hi", visitor_id="visitor-1")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await chat(visitor, bot.name, "hi", visitor_id="visitor-2", session=session)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await visitor.bot.SubmitFeedback(
            bot_pb2.SubmitFeedbackRequest(
                name=done(events).message, rating=DOWN, visitor_id="visitor-2"
            )
        )
    # Nothing but Chat and SubmitFeedback.
    for attempt in (
        visitor.bot.GetChatbot(bot_pb2.GetChatbotRequest(name=bot.name)),
        visitor.bot.ListChatSessions(bot_pb2.ListChatSessionsRequest(parent=bot.name)),
        visitor.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=session)),
        visitor.knowledge.SearchKnowledgeBase(
            knowledge_pb2.SearchKnowledgeBaseRequest(name=kb, query="wifi")
        ),
        visitor.knowledge.ListKnowledgeBases(
            knowledge_pb2.ListKnowledgeBasesRequest(parent=me.workspace)
        ),
        visitor.tenant.GetWorkspace(tenant_pb2.GetWorkspaceRequest(name=me.workspace)),
    ):
        async with raises(grpc.StatusCode.PERMISSION_DENIED, "PUBLISHABLE_KEY_NOT_ALLOWED"):
            await attempt
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await visitor.auth.GetCurrentUser(
            __import__("privexbot.v1.auth_pb2").v1.auth_pb2.GetCurrentUserRequest()
        )

    # Origins and visitor ids are checked.
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ORIGIN_NOT_ALLOWED"):
        await chat(
            widget(client_factory, key, "https://evil.example"), bot.name, "hi", visitor_id="v"
        )
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ORIGIN_NOT_ALLOWED"):
        await chat(widget(client_factory, key, ""), bot.name, "hi", visitor_id="v")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"visitor_id"}):
        await chat(visitor, bot.name, "hi")

    # Rotating revokes the old key at once.
    fresh = await publishable_key(client, bot.name)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "PUBLISHABLE_KEY_INVALID"):
        await chat(visitor, bot.name, "hi", visitor_id="visitor-1")
    await chat(widget(client_factory, fresh), bot.name, OFF_TOPIC, visitor_id="visitor-1")


async def test_the_widget_reads_the_published_look_with_the_key(client, client_factory):
    me = await sign_up(client, "look")
    lead = bot_pb2.LeadCapture(
        mode=bot_pb2.LeadCapture.MODE_DURING_CHAT, require_consent=True, consent_text="Email me."
    )
    bot = await new_bot(
        client,
        me.workspace,
        greeting="Hello! Ask me about the handbook.",
        appearance={"theme": "dark", "primary_color": "#1f6feb"},
        allowed_origins=[ORIGIN],
        lead_capture=lead,
    )
    key = await publishable_key(client, bot.name)
    name = bot.name + "/widget"
    request = bot_pb2.GetChatbotWidgetRequest(name=name)
    seen = await widget(client_factory, key).bot.GetChatbotWidget(request)
    assert seen == bot_pb2.ChatbotWidget(
        name=name,
        display_name="Helper",
        greeting="Hello! Ask me about the handbook.",
        appearance={"theme": "dark", "primary_color": "#1f6feb"},
        lead_capture=lead,
    )
    # The published version: an unpublished edit is not shown.
    await client.bot.UpdateChatbot(
        bot_pb2.UpdateChatbotRequest(
            chatbot=bot_pb2.Chatbot(name=bot.name, config=bot_config(greeting="Draft hello")),
            update_mask=field_mask_pb2.FieldMask(paths=["config.greeting"]),
        )
    )
    assert (await client.bot.GetChatbotWidget(request)).greeting == seen.greeting

    async with raises(grpc.StatusCode.PERMISSION_DENIED, "ORIGIN_NOT_ALLOWED"):
        await widget(client_factory, key, "https://evil.example").bot.GetChatbotWidget(request)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        await widget(client_factory, key).bot.GetChatbotWidget(bot_pb2.GetChatbotWidgetRequest())
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().bot.GetChatbotWidget(request)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "PUBLISHABLE_KEY_INVALID"):
        await widget(client_factory, key + "x").bot.GetChatbotWidget(request)
    # Another chatbot's key, and another tenant, find nothing.
    other = await new_bot(client, me.workspace, allowed_origins=["*"])
    other_key = await publishable_key(client, other.name)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await widget(client_factory, other_key).bot.GetChatbotWidget(request)
    intruder = client_factory()
    await sign_up(intruder, "look-intruder")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await intruder.bot.GetChatbotWidget(request)


async def test_reading_the_widget_needs_the_chat_permission(client, client_factory):
    me = await sign_up(client, "look-owner")
    bot = await new_bot(client, me.workspace)
    key = await client.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=me.workspace,
            api_key=auth_pb2.ApiKey(display_name="reader", permissions=["chatbot.read"]),
        )
    )
    request = bot_pb2.GetChatbotWidgetRequest(name=bot.name + "/widget")
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await client_factory(api_key=key.key).bot.GetChatbotWidget(request)
    # An organization member outside the workspace does not see it at all.
    member = client_factory()
    await join(client, member, me.organization, common_pb2.ORGANIZATION_ROLE_MEMBER)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await member.bot.GetChatbotWidget(request)


async def test_visitors_are_rate_limited_per_visitor(client, client_factory, stack):
    me = await sign_up(client, "limits")
    kb = await handbook_kb(client, me.workspace)
    # Strict grounding answers off-topic questions without the model: fast, so the limit
    # is what this test meets.
    bot = await new_bot(client, me.workspace, kb, grounding_mode=STRICT, allowed_origins=["*"])
    visitor = widget(client_factory, await publishable_key(client, bot.name))
    # The window is a fixed minute from the first chat; on a loaded machine the calls may
    # outlast it, and then a fresh visitor tries again (a minute that did not pass refuses).
    for attempt in range(3):
        chatty, started = f"chatty-{attempt}", time.monotonic()
        for _ in range(stack.settings.visitor_chats_per_minute):
            await chat(visitor, bot.name, OFF_TOPIC, visitor_id=chatty)
        try:
            await chat(visitor, bot.name, OFF_TOPIC, visitor_id=chatty)
        except grpc.aio.AioRpcError as error:
            refused = error
            break
        assert time.monotonic() - started > 55, "the limit let a chat through within its minute"
    details = error_details(refused)
    assert (details.code, details.reason) == (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")
    assert details.retry_delay_seconds > 0
    await chat(visitor, bot.name, OFF_TOPIC, visitor_id="someone-else")


async def test_lead_capture_before_chat_with_consent(client, client_factory):
    me = await sign_up(client, "leads")
    bot = await new_bot(
        client,
        me.workspace,
        allowed_origins=["*"],
        lead_capture=bot_pb2.LeadCapture(
            mode=bot_pb2.LeadCapture.MODE_BEFORE_CHAT,
            require_consent=True,
            consent_text="We may email you.",
        ),
    )
    visitor = widget(client_factory, await publishable_key(client, bot.name))
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "LEAD_REQUIRED"):
        await chat(visitor, bot.name, "hi", visitor_id="v1")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"lead.email"}):
        await chat(
            visitor, bot.name, "hi", visitor_id="v1", lead=bot_pb2.Lead(email="nope", consent=True)
        )
    lead = bot_pb2.Lead(email="ada@example.com", display_name="Ada", consent=True)
    events = await chat(visitor, bot.name, "hi", visitor_id="v1", lead=lead)
    stored = await get_session(client, events[0].session_started.session)
    assert stored.lead == lead
    # Without the consent the chatbot asks for, nothing is kept and the chat cannot start.
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "CONSENT_REQUIRED"):
        await chat(
            visitor, bot.name, "hi", visitor_id="v2", lead=bot_pb2.Lead(email="bob@example.com")
        )


async def test_a_viewer_can_chat_but_not_edit(client, client_factory):
    me = await sign_up(client, "owner")
    bot = await new_bot(client, me.workspace)
    viewer = client_factory()
    await join(
        client,
        viewer,
        me.organization,
        common_pb2.ORGANIZATION_ROLE_MEMBER,
        [(me.workspace, common_pb2.WORKSPACE_ROLE_VIEWER)],
    )
    events = await chat(viewer, bot.name, "Hello")
    assert done(events).message
    await viewer.bot.SubmitFeedback(
        bot_pb2.SubmitFeedbackRequest(name=done(events).message, rating=DOWN)
    )
    for attempt in (
        viewer.bot.UpdateChatbot(
            bot_pb2.UpdateChatbotRequest(
                chatbot=bot_pb2.Chatbot(name=bot.name, config=bot_pb2.ChatbotConfig(greeting="x")),
                update_mask=field_mask_pb2.FieldMask(paths=["config.greeting"]),
            )
        ),
        viewer.bot.PublishChatbot(bot_pb2.PublishChatbotRequest(name=bot.name)),
        viewer.bot.DeleteChatbot(bot_pb2.DeleteChatbotRequest(name=bot.name)),
        viewer.bot.RotatePublishableKey(bot_pb2.RotatePublishableKeyRequest(name=bot.name)),
        viewer.bot.GetChatbotAnalytics(
            bot_pb2.GetChatbotAnalyticsRequest(name=bot.name + "/analytics")
        ),
        viewer.bot.CreateChatbotDraft(
            bot_pb2.CreateChatbotDraftRequest(
                parent=me.workspace, chatbot_draft=bot_pb2.ChatbotDraft()
            )
        ),
    ):
        async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
            await attempt


async def test_another_tenant_finds_nothing(client, client_factory):
    me = await sign_up(client, "tenant-a")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb)
    draft = await new_draft(client, me.workspace)
    events = await chat(client, bot.name, WIFI_QUESTION)
    session, message = events[0].session_started.session, done(events).message

    intruder = client_factory()
    theirs = await sign_up(intruder, "tenant-b")
    for attempt in (
        intruder.bot.GetChatbot(bot_pb2.GetChatbotRequest(name=bot.name)),
        intruder.bot.GetChatbotDraft(bot_pb2.GetChatbotDraftRequest(name=draft.name)),
        intruder.bot.FinalizeChatbotDraft(bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)),
        intruder.bot.GetChatSession(bot_pb2.GetChatSessionRequest(name=session)),
        intruder.bot.ListChatSessions(bot_pb2.ListChatSessionsRequest(parent=bot.name)),
        intruder.bot.SubmitFeedback(bot_pb2.SubmitFeedbackRequest(name=message, rating=DOWN)),
        intruder.bot.GetChatbotAnalytics(
            bot_pb2.GetChatbotAnalyticsRequest(name=bot.name + "/analytics")
        ),
        chat(intruder, bot.name, "hi"),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND):
            await attempt
    # Their own chatbot cannot attach our knowledge base, nor continue our session.
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "KNOWLEDGE_BASE_OUTSIDE_WORKSPACE"):
        await new_draft(intruder, theirs.workspace, kb)
    own = await new_bot(intruder, theirs.workspace)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await chat(intruder, own.name, "hi", session=session)
    async with raises(grpc.StatusCode.NOT_FOUND):
        await get_session(intruder, session.replace(bot.name, own.name))


# ---- quotas, sessions, analytics ------------------------------------------------------------


async def test_the_monthly_message_quota_is_enforced_before_generation(client, stack):
    me = await sign_up(client, "quota")
    bot = await new_bot(client, me.workspace)
    org_id = me.organization.split("/")[1]
    async with stack.running.platform.sessions() as session, session.begin():
        # The Free plan after its trial: 100 messages a month. 99 were already sent.
        await session.execute(
            update(Organization).where(Organization.id == org_id).values(trial_ends_at=None)
        )
        row = ChatSession(
            chatbot_id=bot.name.split("/")[-1],
            organization_id=org_id,
            workspace_id=me.workspace.split("/")[-1],
            visitor_id="seed",
        )
        session.add(row)
        await session.flush()
        session.add_all(
            ChatMessage(
                session_id=row.id,
                chatbot_id=row.chatbot_id,
                organization_id=org_id,
                role="user",
                content="earlier",
            )
            for _ in range(99)
        )
    await chat(client, bot.name, "Hello")  # the 100th
    usage = await client.tenant.GetUsage(
        tenant_pb2.GetUsageRequest(name=me.organization + "/usage")
    )
    assert usage.messages_this_month.used == 100 and usage.chatbots.used == 1
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "MESSAGE_QUOTA_EXHAUSTED") as info:
        await chat(client, bot.name, "Hello again")
    assert info.details.metadata == {"limit": "messages_per_month", "max": "100", "plan": "free"}
    assert 0 < info.details.retry_delay_seconds <= 31 * 24 * 3600


async def test_the_chatbot_plan_limit_is_checked_at_finalize(client, stack):
    me = await sign_up(client, "planlimit")
    org_id = me.organization.split("/")[1]
    async with stack.running.platform.sessions() as session, session.begin():
        await session.execute(
            update(Organization).where(Organization.id == org_id).values(trial_ends_at=None)
        )
    await new_bot(client, me.workspace)
    await new_bot(client, me.workspace)  # Free allows 2
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED"):
        await new_bot(client, me.workspace)


async def test_sessions_feedback_and_analytics_come_from_stored_conversations(
    client, client_factory
):
    me = await sign_up(client, "analyst")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb, allowed_origins=["*"])
    visitor = widget(client_factory, await publishable_key(client, bot.name))
    started = datetime.now(UTC) - timedelta(seconds=1)

    grounded = await chat(visitor, bot.name, WIFI_QUESTION, visitor_id="v1")
    off = await chat(visitor, bot.name, OFF_TOPIC, visitor_id="v2")
    again = await chat(
        visitor,
        bot.name,
        EXPENSES_QUESTION,
        visitor_id="v1",
        session=grounded[0].session_started.session,
    )
    await visitor.bot.SubmitFeedback(
        bot_pb2.SubmitFeedbackRequest(name=done(grounded).message, rating=DOWN, visitor_id="v1")
    )
    await visitor.bot.SubmitFeedback(  # a second rating replaces the first
        bot_pb2.SubmitFeedbackRequest(name=done(grounded).message, rating=UP, visitor_id="v1")
    )
    await visitor.bot.SubmitFeedback(
        bot_pb2.SubmitFeedbackRequest(name=done(off).message, rating=DOWN, visitor_id="v2")
    )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        question = (await get_session(client, off[0].session_started.session)).messages[0]
        await visitor.bot.SubmitFeedback(
            bot_pb2.SubmitFeedbackRequest(name=question.name, rating=UP, visitor_id="v2")
        )

    # Sessions: most recently active first, paginated.
    page = await client.bot.ListChatSessions(
        bot_pb2.ListChatSessionsRequest(parent=bot.name, page_size=1)
    )
    rest = await client.bot.ListChatSessions(
        bot_pb2.ListChatSessionsRequest(
            parent=bot.name, page_size=1, page_token=page.next_page_token
        )
    )
    listed = [*page.chat_sessions, *rest.chat_sessions]
    assert [s.name for s in listed] == [
        again[0].session_started.session,
        off[0].session_started.session,
    ]
    assert [s.message_count for s in listed] == [4, 2] and not rest.next_page_token
    assert not listed[0].messages  # listing carries no messages
    rated = (await get_session(client, listed[0].name)).messages[1]
    assert rated.feedback.rating == UP and rated.feedback.comment == ""

    start = Timestamp()
    start.FromDatetime(started)
    stats = await client.bot.GetChatbotAnalytics(
        bot_pb2.GetChatbotAnalyticsRequest(name=bot.name + "/analytics", start_time=start)
    )
    usage = [next(e for e in ev if e.HasField("usage")).usage for ev in (grounded, off, again)]
    assert stats.conversations == 2 and stats.messages == 6 and stats.unique_visitors == 2
    assert stats.prompt_tokens == sum(u.prompt_tokens for u in usage)
    assert stats.completion_tokens == sum(u.completion_tokens for u in usage)
    assert (stats.feedback_up, stats.feedback_down) == (1, 1)
    # Two of three questions found a relevant chunk; the off-topic one found none.
    assert stats.knowledge_hit_rate == pytest.approx(2 / 3)
    assert list(stats.unanswered_questions) == [OFF_TOPIC]
    # A range before any of it: zeros, not placeholders.
    end = Timestamp()
    end.FromDatetime(started)
    empty = await client.bot.GetChatbotAnalytics(
        bot_pb2.GetChatbotAnalyticsRequest(name=bot.name + "/analytics", end_time=end)
    )
    assert (empty.conversations, empty.messages, empty.knowledge_hit_rate) == (0, 0, 0.0)


async def test_unanswered_questions_are_those_retrieval_found_nothing_for(client):
    me = await sign_up(client, "unanswered")
    kb = await handbook_kb(client, me.workspace)
    bot = await new_bot(client, me.workspace, kb, grounding_mode=STRICT)
    await chat(client, bot.name, WIFI_QUESTION)
    await chat(client, bot.name, OFF_TOPIC)
    stats = await client.bot.GetChatbotAnalytics(
        bot_pb2.GetChatbotAnalyticsRequest(name=bot.name + "/analytics")
    )
    assert list(stats.unanswered_questions) == [OFF_TOPIC]
    assert stats.knowledge_hit_rate == pytest.approx(0.5)
