"""Channel turns over the real stack's database: the claim rules two workers follow (the
oldest turn first, never a newer turn of a conversation with an older one open, a dead
worker's turn taken over once its lease runs out and the old worker told so, a retry not
before its time), a replayed event id refused by the row, and a reply the platform keeps
refusing retried, then failed and audited with its question cleared. (Two real processes
and a SIGKILL: tests/faults/test_channel_turns_killed.py.)"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import pytest
from channelkit import connect, webhook
from flowhelp import new_flow, simple_graph
from helpers import sign_up
from sqlalchemy import select, update

from privexbot.channels import turns as turns_module
from privexbot.channels.messages import Incoming
from privexbot.channels.turns import LeaseLost, Turns
from privexbot.kernel import resources
from privexbot.store.channel_models import Channel, ChannelTurn
from privexbot.store.flow_models import ChatflowMessage
from privexbot.store.models import AuditEvent
from privexbot.v1 import bot_pb2

LEASE = timedelta(seconds=30)


@asynccontextmanager
async def worker_stopped(stack):
    """The stack's own turn worker paused, so the test's workers alone claim."""
    platform = stack.running.platform
    await platform.channel_turns.stop(within=0)
    try:
        yield platform
    finally:
        platform.channel_turns.start()


async def turn_row(platform, turn_id: str) -> ChannelTurn:
    async with platform.sessions() as session:
        return await session.get(ChannelTurn, turn_id)


async def until_ended(platform, turn_id: str, within: float = 10) -> ChannelTurn:
    async with asyncio.timeout(within):
        while True:
            row = await turn_row(platform, turn_id)
            if row.state in ("sent", "failed"):
                return row
            await asyncio.sleep(0.05)


async def ids(platform, channel_id: str) -> dict[str, str]:
    """event id -> turn id."""
    async with platform.sessions() as session:
        rows = await session.execute(
            select(ChannelTurn.event_id, ChannelTurn.id).where(ChannelTurn.channel_id == channel_id)
        )
        return dict(rows.all())


async def test_two_workers_follow_the_claim_rules(client, stack):
    me = await sign_up(client, "turnclaims")
    flow = await new_flow(client, me.workspace, simple_graph("ok"))
    channel = await connect(
        client, me.workspace, flow.name, bot_pb2.Channel.PLATFORM_WHATSAPP,
        bot_token="t", signing_secret="s", account_id="1", verify_token="v",
    )  # fmt: skip
    async with worker_stopped(stack) as platform:
        first = Turns(platform.sessions, platform.channels, None, LEASE)
        second = Turns(platform.sessions, platform.channels, None, LEASE)
        for event, visitor in (("a1", "A"), ("a2", "A"), ("b1", "B")):
            assert await first.enqueue(channel, Incoming(event, visitor, "q", {"to": "1"}))
        assert not await second.enqueue(channel, Incoming("a1", "A", "again", {}))  # replay
        turn = await ids(platform, channel)
        assert await first._claim() == turn["a1"]  # the oldest
        assert await second._claim() == turn["b1"]  # a2 waits for a1, B does not
        assert await second._claim() is None

        # first stalls past its lease: second takes a1 over, and first learns it lost it.
        async with platform.sessions() as session, session.begin():
            past = datetime.now(UTC) - timedelta(seconds=1)
            await session.execute(
                update(ChannelTurn).where(ChannelTurn.id == turn["a1"]).values(lease_until=past)
            )
        assert await second._claim() == turn["a1"]
        assert (await turn_row(platform, turn["a1"])).attempts == 2
        with pytest.raises(LeaseLost):
            await first.held(turn["a1"], shown="9")
        await second.held(turn["a1"], shown="7", pieces_sent=1)
        taken = await turn_row(platform, turn["a1"])
        assert (taken.shown, taken.pieces_sent) == ("7", 1)

        # a1 fails once: retried only after its wait, and a2 still waits behind it.
        async with platform.sessions() as session:
            channel_row = await session.get(Channel, channel)
        await second._retry_or_fail(taken, "PLATFORM_UNAVAILABLE", channel_row)
        waiting = await turn_row(platform, turn["a1"])
        assert waiting.state == "queued" and waiting.not_before > datetime.now(UTC)
        assert await first._claim() is None
        async with platform.sessions() as session, session.begin():
            await session.execute(
                update(ChannelTurn)
                .where(ChannelTurn.id == turn["a1"])
                .values(not_before=datetime.now(UTC))
            )
        assert await first._claim() == turn["a1"]
        await first._end(await turn_row(platform, turn["a1"]), "sent", "", channel_row)
        assert await second._claim() == turn["a2"]  # a1 ended: a2 goes
        ended = await turn_row(platform, turn["a1"])
        assert (ended.state, ended.text, ended.to) == ("sent", "", {})

        # A day after they ended, turns are forgotten (their event ids may come again).
        await first.forget_ended(datetime.now(UTC) + timedelta(days=1, seconds=1))
        assert set(await ids(platform, channel)) == {"a2", "b1"}  # still running
        for running in ("a2", "b1"):
            row = await turn_row(platform, turn[running])
            await (first if row.holder == first._holder else second)._end(
                row, "sent", "", channel_row
            )


def whatsapp_message(message_id: str, text: str) -> tuple[bytes, tuple]:
    message = {"id": message_id, "from": "4917", "type": "text", "text": {"body": text}}
    body = json.dumps({"entry": [{"changes": [{"value": {"messages": [message]}}]}]}).encode()
    signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    return body, (("x-hub-signature-256", signature),)


async def test_a_refused_reply_is_retried_then_failed_and_audited(
    client, stack, platform_apis, monkeypatch
):
    monkeypatch.setattr(turns_module, "RETRY_SECONDS", 0.05)
    me = await sign_up(client, "turnfails")
    flow = await new_flow(client, me.workspace, simple_graph("You said: {{ sys.message }}"))
    token = "EAA-revoked-" + secrets.token_hex(4)
    channel = await connect(
        client, me.workspace, flow.name, bot_pb2.Channel.PLATFORM_WHATSAPP,
        bot_token=token, signing_secret="app-secret", account_id="1", verify_token="v",
    )  # fmt: skip
    body, headers = whatsapp_message("wamid.1", "hello")
    await webhook(client, "whatsapp", channel, body, headers)
    calls = await platform_apis.wait_for(token, count=turns_module.MAX_ATTEMPTS)
    platform = stack.running.platform
    (turn_id,) = (await ids(platform, channel)).values()
    row = await until_ended(platform, turn_id)
    assert (row.attempts, row.failure, row.text, row.to, row.reply) == (
        5, "PLATFORM_REFUSED", "", {}, None
    )  # fmt: skip
    assert [c.payload["text"]["body"] for c in calls] == ["You said: hello"] * 5
    async with platform.sessions() as session:  # the retries sent the reply kept: one run
        said = await session.scalars(
            select(ChatflowMessage.role).where(
                ChatflowMessage.chatflow_id == resources.CHATFLOW.id_of(flow.name)
            )
        )
        assert sorted(said) == ["assistant", "user"]
    async with platform.sessions() as session:
        events = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.action == "channel.turn_failed")
            )
        ).scalars()
        (event,) = [e for e in events if e.resource.endswith("/channels/" + channel)]
    assert event.details == {"reason": "PLATFORM_REFUSED", "event": "wamid.1"}
    await webhook(client, "whatsapp", channel, body, headers)  # a replay of a failed turn
    await asyncio.sleep(0.3)
    assert len(platform_apis.to(token)) == 5
