"""A chatflow's channel over the real stack (no model needed: a template answers): messages
of one Telegram conversation, delivered back to back, are answered in order in one
session the channel keeps; another user of the same chat has a session of their own; a
user over the per-visitor rate limit is answered with a notice, not a run; analytics count
the channel's conversations. (The chatbot path, with the real enclave, per platform:
tests/e2e/test_channel_replies.py.)"""

from __future__ import annotations

import asyncio

from channelkit import connect, finals, new_token, update, webhook
from flowhelp import new_flow, simple_graph
from helpers import sign_up
from sqlalchemy import select

from privexbot.channels.conversations import BUSY
from privexbot.store.flow_models import ChatflowSession
from privexbot.v1 import bot_pb2, flow_pb2


async def test_a_chatflow_channel_keeps_one_session_per_user(client, stack, platform_apis):
    me = await sign_up(client, "flowchannel")
    flow = await new_flow(client, me.workspace, simple_graph("You said: {{ sys.message }}"))
    token = new_token()
    channel_id = await connect(
        client, me.workspace, flow.name, bot_pb2.Channel.PLATFORM_TELEGRAM, bot_token=token
    )
    secret = platform_apis.to(token)[0].payload["secret_token"]
    headers = (("x-telegram-bot-api-secret-token", secret),)
    limit = stack.settings.visitor_chats_per_minute
    # User 1 sends one message over the limit, back to back; user 2 one message.
    for i in range(1, limit + 2):
        await webhook(client, "telegram", channel_id, update(i, 1, f"m{i}"), headers)
    await webhook(client, "telegram", channel_id, update(999, 2, "other"), headers)
    calls = await platform_apis.wait_for(token, until=lambda c: len(finals(c)) == limit + 2)
    questions = [q for q in finals(calls) if q != 999]
    assert questions == list(range(1, limit + 2))  # answered in the order asked
    shown = finals(calls)
    assert [shown[q] for q in questions] == [f"You said: m{i}" for i in questions[:-1]] + [BUSY]
    assert shown[999] == "You said: other"
    assert {c.payload["chat_id"] for c in calls[1:]} == {-5}

    async with stack.running.platform.sessions() as session:
        rows = (
            await session.execute(
                select(ChatflowSession).where(ChatflowSession.channel_id == channel_id)
            )
        ).scalars()
        counts = {row.visitor_id: row.message_count for row in rows}
    assert counts == {"telegram:-5:1": 2 * limit, "telegram:-5:2": 2}
    analytics = await client.flow.GetChatflowAnalytics(
        flow_pb2.GetChatflowAnalyticsRequest(name=flow.name + "/analytics")
    )
    (counted,) = analytics.channel_conversations
    assert counted.channel == f"{me.workspace}/channels/{channel_id}"
    assert counted.conversations == 2 and analytics.conversations == 2
    await asyncio.sleep(0.5)
    assert platform_apis.to(token) == calls  # nothing answered twice
