"""Inbound messages as durable turns. A webhook call commits a ``ChannelTurn`` before it is
acknowledged, so a message the platform was told we took is answered even if this process
dies right after; the row's unique (channel, event id) refuses a replay for a day.

Each process runs one ``Turns`` worker. It claims turns oldest first, never one whose
conversation still has an older turn open, so replies keep the order of the questions
across processes, and holds each under a lease renewed while the reply is written. A
turn whose worker died is taken over when the lease runs out: the new worker edits the
message already shown and sends only the pieces not sent yet (if the reply was not
composed yet, the question the dead worker stored unanswered is dropped and asked again).
A reply the platform would not take is kept on the turn and sent again after a doubling
wait, ``MAX_ATTEMPTS`` tries in all, then the turn fails and is audited."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from privexbot.channels.conversations import channel_call
from privexbot.channels.messages import Incoming
from privexbot.kernel import calls, resources, tasks
from privexbot.kernel.errors import DomainError, NotFound
from privexbot.kernel.ids import new_id
from privexbot.store import audit
from privexbot.store.channel_models import Channel, ChannelTurn

log = logging.getLogger("privexbot.channels")
MAX_ATTEMPTS = 5
RETRY_SECONDS = 2.0  # the first retry's wait; each next one waits twice as long
KEEP = timedelta(days=1)  # how long an ended turn refuses its event id again
POLL_SECONDS = 1.0  # how often a worker looks for turns other processes queued
CONCURRENCY = 16  # turns one process answers at once
OPEN = ("queued", "running")


class Progress:
    """A running turn's delivery so far (the composed reply, the message shown, the pieces
    sent), saved on its row as it changes: a retry sends the reply kept without asking
    again, and ``outbound.Reply`` resumes a turn taken over."""

    def __init__(self, turns: Turns, turn: ChannelTurn) -> None:
        self._turns, self._id = turns, turn.id
        self.reply, self.shown, self.pieces_sent = turn.reply, turn.shown, turn.pieces_sent
        self.attempts = turn.attempts  # this one included

    async def keep(self, reply: list[str]) -> None:
        self.reply = reply
        await self._turns.held(self._id, reply=reply)

    async def save(self, shown: str, pieces_sent: int) -> None:
        self.shown, self.pieces_sent = shown, pieces_sent
        await self._turns.held(self._id, shown=shown, pieces_sent=pieces_sent)


class LeaseLost(Exception):
    """Another worker took the turn over (this one stalled past its lease)."""


class Turns:
    def __init__(self, sessions, channels, conversations, lease: timedelta) -> None:
        """``channels``: ``Channels`` (a turn's channel and credentials); ``conversations``:
        ``Conversations`` (answers one turn)."""
        self._sessions, self._channels, self._conversations = sessions, channels, conversations
        self._lease, self._holder = lease, new_id()
        self._wake = asyncio.Event()
        self._loop: asyncio.Task | None = None
        self._running: set[asyncio.Task] = set()

    async def enqueue(self, channel_id: str, message: Incoming) -> bool:
        """Store ``message`` as a queued turn; False for an event id the channel already has."""
        turn = ChannelTurn(
            channel_id=channel_id,
            event_id=message.event_id[:128] or new_id(),
            visitor=message.visitor,
            text=message.text,
            to=message.to,
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(turn)
        except IntegrityError:
            return False
        self._wake.set()
        return True

    # ---- the worker ------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.create_task(self._run(), name="channel turns")

    async def stop(self, within: float) -> None:
        """Let running turns finish for ``within`` seconds; hand the rest back (queued) so
        another process answers them at once instead of after the lease."""
        if self._loop is not None:
            self._loop.cancel()
            await asyncio.gather(self._loop, return_exceptions=True)
        if self._running:
            await asyncio.wait(set(self._running), timeout=within)
        for task in set(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        with contextlib.suppress(Exception):  # the database is down: the lease runs out
            async with self._sessions() as session, session.begin():
                await session.execute(
                    update(ChannelTurn)
                    .where(ChannelTurn.holder == self._holder, ChannelTurn.state == "running")
                    .values(state="queued", lease_until=None, attempts=ChannelTurn.attempts - 1)
                )

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                while len(self._running) < CONCURRENCY and (turn_id := await self._claim()):
                    task = asyncio.create_task(self._take(turn_id))
                    self._running.add(task)
                    task.add_done_callback(self._done)
            except Exception as exc:  # a dependency is down: the next round tries again
                log.warning("channel turns: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=POLL_SECONDS)

    def _done(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:  # the database went away
            log.warning("channel turn: %s", type(task.exception()).__name__)
        self._wake.set()  # a slot is free, and the conversation's next turn may go

    async def _claim(self) -> str | None:
        """A queued turn whose wait is over, or a running one whose lease ran out; never
        one with an older open turn in its conversation."""
        now = datetime.now(UTC)
        older = aliased(ChannelTurn)
        claimable = (
            or_(
                ChannelTurn.state == "queued",
                and_(ChannelTurn.state == "running", ChannelTurn.lease_until < now),
            ),
            ChannelTurn.not_before <= now,
            ~exists().where(
                older.channel_id == ChannelTurn.channel_id,
                older.visitor == ChannelTurn.visitor,
                older.state.in_(OPEN),
                older.id < ChannelTurn.id,
            ),
        )
        values = {
            "state": "running",
            "holder": self._holder,
            "lease_until": now + self._lease,
            "attempts": ChannelTurn.attempts + 1,
            "updated_at": now,
        }
        return await tasks.claim(self._sessions, ChannelTurn, claimable, values)

    async def held(self, turn_id: str, **values) -> None:
        """Renew this worker's lease on the turn (saving ``values``); LeaseLost when another
        worker holds it now."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            changed = await session.execute(
                update(ChannelTurn)
                .where(
                    ChannelTurn.id == turn_id,
                    ChannelTurn.holder == self._holder,
                    ChannelTurn.state == "running",
                )
                .values(lease_until=now + self._lease, updated_at=now, **values)
            )
        if changed.rowcount != 1:
            raise LeaseLost(turn_id)

    async def _keep_lease(self, turn_id: str, work: asyncio.Task) -> None:
        try:
            while True:
                await asyncio.sleep(self._lease.total_seconds() / 3)
                await self.held(turn_id)
        except LeaseLost:
            work.cancel()

    async def _take(self, turn_id: str) -> None:
        async with self._sessions() as session:
            turn = await session.get(ChannelTurn, turn_id)
            channel = await session.get(Channel, turn.channel_id) if turn else None
        if turn is None or channel is None:
            return  # the channel was deleted, and its turns with it
        token = calls.begin(channel_call(channel))
        try:
            await self._answer(turn, channel)
        finally:
            calls.end(token)

    async def _answer(self, turn: ChannelTurn, channel: Channel) -> None:
        try:
            _, credentials = await self._channels.serving(channel.platform, channel.id)
        except NotFound:  # disabled since: the turn is not answered
            await self._end(turn, "failed", "CHANNEL_DISABLED", channel)
            return
        keeper = asyncio.create_task(self._keep_lease(turn.id, asyncio.current_task()))
        message = Incoming(turn.event_id, turn.visitor, turn.text, turn.to)
        try:
            await self._conversations.answer(channel, credentials, message, Progress(self, turn))
        except asyncio.CancelledError:
            if keeper.done():  # the lease was lost: the turn is another worker's now
                return
            raise
        except Exception as exc:  # noqa: BLE001 - the row records it; nothing is lost
            reason = exc.reason if isinstance(exc, DomainError) else type(exc).__name__
            log.warning("%s turn %s: %s", channel.platform, turn.id, reason)
            await self._retry_or_fail(turn, reason, channel)
        else:
            await self._end(turn, "sent", "", channel)
        finally:
            keeper.cancel()

    async def _retry_or_fail(self, turn: ChannelTurn, reason: str, channel: Channel) -> None:
        if turn.attempts >= MAX_ATTEMPTS:  # the claim counted this attempt
            await self._end(turn, "failed", reason, channel)
            return
        wait = timedelta(seconds=RETRY_SECONDS * 2 ** (turn.attempts - 1))
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(ChannelTurn)
                .where(ChannelTurn.id == turn.id, ChannelTurn.holder == self._holder)
                .values(
                    state="queued",
                    lease_until=None,
                    not_before=datetime.now(UTC) + wait,
                    failure=reason[:64],
                )
            )

    async def _end(self, turn: ChannelTurn, state: str, reason: str, channel: Channel) -> None:
        """Sent or failed: the question, its address (a Discord token) and the reply are not
        kept."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            ended = await session.execute(
                update(ChannelTurn)
                .where(ChannelTurn.id == turn.id, ChannelTurn.holder == self._holder)
                .values(
                    state=state, failure=reason[:64], text="", to={}, reply=None, updated_at=now
                )
            )
            if state == "failed" and ended.rowcount == 1:
                audit.record(
                    session,
                    "channel.turn_failed",
                    organization_id=channel.organization_id,
                    resource=resources.CHANNEL.name_of(channel),
                    details={"reason": reason[:64], "event": turn.event_id},
                )

    async def forget_ended(self, now: datetime) -> None:
        """Delete turns that ended more than a day ago (their event ids may come again)."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                delete(ChannelTurn).where(
                    ChannelTurn.state.not_in(OPEN), ChannelTurn.updated_at < now - KEEP
                )
            )
