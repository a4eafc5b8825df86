"""Channel turns across real ``privexbot serve`` processes sharing PostgreSQL and Redis:

- two processes, one Telegram conversation's updates delivered to each in turn: every
  update answered once, in the order asked;
- the process writing a reply (the real enclave's, shown while written) killed with
  SIGKILL: the webhook had been acknowledged, so the turn is not lost; another process
  takes it over once its lease runs out and finishes the reply in the message already
  shown, without a second message, and the session holds the question once.
"""

from __future__ import annotations

import asyncio

import pytest
from channelkit import connect, finals, new_token, update, webhook
from helpers import sign_up
from integration.flowhelp import new_flow, simple_graph
from servers import Server, enclave_settings
from sqlalchemy import select
from stacks import drop_postgres_database, flushed_redis, fresh_postgres_database

from privexbot.store import db
from privexbot.store.channel_models import ChannelTurn
from privexbot.store.chat_models import ChatMessage, ChatSession
from privexbot.v1 import bot_pb2

pytestmark = pytest.mark.enclave

TELEGRAM = bot_pb2.Channel.PLATFORM_TELEGRAM
LEASE_SECONDS = 3
UPDATES = 12


@pytest.fixture
async def shared(tmp_path, enclave, platform_apis):
    """Settings for servers sharing one fresh database and Redis: ``shared(name)``."""
    database, redis_url = await fresh_postgres_database(), await flushed_redis()

    def settings(name: str) -> dict[str, str]:
        return {
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "MILVUS_URI": str(tmp_path / f"milvus-{name}.db"),
            "CHANNEL_TURN_LEASE_SECONDS": str(LEASE_SECONDS),
            "CHANNEL_WEBHOOK_BASE_URL": "https://bots.example.com",
            "TELEGRAM_API_BASE_URL": platform_apis.base("telegram"),
            "VISITOR_CHATS_PER_MINUTE": "1000",
            **enclave_settings(enclave),
        }

    settings.database = database
    yield settings
    await drop_postgres_database(database)


async def turns(database: str) -> list[ChannelTurn]:
    engine = db.create_engine(database)
    try:
        async with db.sessionmaker(engine)() as session:
            return list((await session.execute(select(ChannelTurn))).scalars())
    finally:
        await engine.dispose()


async def conversation(database: str) -> tuple[list[ChatSession], list[tuple[str, str]]]:
    """The chatbots' sessions, and their messages' (role, content) in order."""
    engine = db.create_engine(database)
    try:
        async with db.sessionmaker(engine)() as session:
            sessions = list(await session.scalars(select(ChatSession)))
            said = await session.execute(
                select(ChatMessage.role, ChatMessage.content).order_by(ChatMessage.id)
            )
            return sessions, [tuple(row) for row in said]
    finally:
        await engine.dispose()


async def until_turns(database: str, check) -> list[ChannelTurn]:
    """The turns once ``check(turns)`` holds (a row is written right after the platform
    call it records)."""
    async with asyncio.timeout(10):
        while True:
            rows = await turns(database)
            if check(rows):
                return rows
            await asyncio.sleep(0.01)


async def telegram_channel(client, workspace: str, target: str, apis) -> tuple[str, str, tuple]:
    """(channel id, bot token, the webhook's secret header) of a new Telegram channel."""
    token = new_token()
    channel = await connect(client, workspace, target, TELEGRAM, bot_token=token)
    secret = apis.to(token)[0].payload["secret_token"]
    return channel, token, (("x-telegram-bot-api-secret-token", secret),)


async def test_two_processes_answer_a_conversation_once_in_order(shared, platform_apis):
    first, second = Server(shared("a")), Server(shared("b"))
    try:
        clients = [await first.start(), await second.start()]  # one at a time: migrations
        me = await sign_up(clients[0], "turns")
        flow = await new_flow(clients[0], me.workspace, simple_graph("You said: {{ sys.message }}"))
        channel, token, headers = await telegram_channel(
            clients[0], me.workspace, flow.name, platform_apis
        )
        for i in range(1, UPDATES + 1):
            await webhook(clients[i % 2], "telegram", channel, update(i, 1, f"m{i}"), headers)
        calls = await platform_apis.wait_for(token, until=lambda c: len(finals(c)) == UPDATES)
        assert list(finals(calls)) == list(range(1, UPDATES + 1))  # in the order asked
        assert list(finals(calls).values()) == [f"You said: m{i}" for i in range(1, UPDATES + 1)]
        assert sum(c.method == "sendMessage" for c in calls) == UPDATES  # each once
        rows = await until_turns(shared.database, lambda t: all(r.state != "running" for r in t))
        assert [r.state for r in rows] == ["sent"] * UPDATES
        assert all(r.text == "" and r.to == {} for r in rows)  # nothing kept once answered
    finally:
        await first.stop()
        await second.stop()


async def test_a_turn_whose_process_died_is_finished_by_another(shared, platform_apis):
    first, second = Server(shared("a")), Server(shared("b"))
    try:
        client = await first.start()
        me = await sign_up(client, "takeover")
        draft = await client.bot.CreateChatbotDraft(
            bot_pb2.CreateChatbotDraftRequest(
                parent=me.workspace,
                chatbot_draft=bot_pb2.ChatbotDraft(
                    config=bot_pb2.ChatbotConfig(
                        display_name="Storyteller", max_tokens=400, temperature=0.0
                    )
                ),
            )
        )
        bot = await client.bot.FinalizeChatbotDraft(
            bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
        )
        channel, token, headers = await telegram_channel(
            client, me.workspace, bot.name, platform_apis
        )
        question = update(1, 7, "Tell me a long story about a lighthouse keeper and the sea.")
        await webhook(client, "telegram", channel, question, headers)
        shown = await platform_apis.wait_for(
            token, until=lambda c: any(x.method == "sendMessage" for x in c)
        )
        (message,) = [c.made for c in shown if c.method == "sendMessage"]
        await until_turns(shared.database, lambda t: t[0].shown == str(message))
        await first.kill()  # mid-reply: shown, still being written
        (turn,) = await turns(shared.database)
        assert (turn.state, turn.attempts) == ("running", 1)

        await second.start()
        calls = await platform_apis.wait_for(token, until=lambda c: 1 in finals(c))
        assert sum(c.method == "sendMessage" for c in calls) == 1  # no second message
        edits = [c.payload["message_id"] for c in calls if c.method == "editMessageText"]
        assert edits and set(edits) == {message}
        assert len(finals(calls)[1]) > 20
        (turn,) = await until_turns(shared.database, lambda t: t[0].state != "running")
        assert (turn.state, turn.attempts) == ("sent", 2)  # taken over, then finished
        # The question the killed process stored unanswered was dropped before it was asked
        # again: the session holds it once, then the answer, and counts two messages.
        (session,), said = await conversation(shared.database)
        assert [role for role, _ in said] == ["user", "assistant"]
        assert said[0][1] == "Tell me a long story about a lighthouse keeper and the sea."
        assert session.message_count == 2
    finally:
        await first.stop()
        await second.stop()
