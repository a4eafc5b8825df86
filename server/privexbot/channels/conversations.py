"""A channel's inbound message answered after its webhook call is acknowledged: one chat
turn of the channel's chatbot through the normal chat path (``Chat.chat``: memory window,
grounding, quota, rate limits per channel and per platform user) — or one run of its
chatflow (``Executor.execute``, the same rules) — in the session the channel keeps with
that conversation, as a ``channel`` principal speaking for the platform's user. The reply
is shown while it is written where the platform edits messages, then composed for the
platform (``compose``) and sent through its send API (``Outbound``). A refused turn
(quota, rate limit, an unpublished chatbot) is answered with a short notice so the user is
not left waiting."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from privexbot.bots import events
from privexbot.channels.compose import compose
from privexbot.channels.messages import Incoming
from privexbot.channels.outbound import Outbound
from privexbot.flows import events as flow_events
from privexbot.kernel import calls, resources, tasks
from privexbot.kernel.errors import DomainError, ResourceExhausted
from privexbot.kernel.ids import new_id
from privexbot.kernel.principal import Principal
from privexbot.kernel.resources import Scope

log = logging.getLogger("privexbot.channels")
BUSY = "Too many messages right now; please try again in a minute."
UNAVAILABLE = "Sorry, I cannot answer right now."


class Conversations:
    def __init__(self, chat, chat_sessions, executor, flow_sessions, outbound: Outbound) -> None:
        """``chat``: ``Chat``; ``executor``: chatflows' ``Executor``; the sessions (chatbots'
        and chatflows') find the one a channel keeps with a conversation."""
        self._chat, self._chat_sessions, self._outbound = chat, chat_sessions, outbound
        self._executor, self._flow_sessions = executor, flow_sessions
        # One turn at a time per conversation (in this process): a second message waits
        # for the first's session and reply, so replies keep the order of the questions.
        self._turns: dict[str, tuple[asyncio.Lock, int]] = {}

    def start(self, row, credentials: dict, message: Incoming) -> None:
        """Answer ``message`` beside the webhook call, which does not wait for it."""
        tasks.beside(self.answer(row, credentials, message), f"{row.platform} reply")

    async def answer(self, row, credentials: dict, message: Incoming) -> None:
        scope = Scope(row.organization_id, row.workspace_id)
        principal = Principal(
            "channel", row.id, organization_id=row.organization_id, workspace_id=row.workspace_id
        )
        call = dataclasses.replace(
            calls.current(), request_id=new_id(), principal=principal, scope=scope
        )
        key = f"{row.id}:{message.visitor}"
        lock, waiting = self._turns.get(key, (asyncio.Lock(), 0))
        self._turns[key] = (lock, waiting + 1)
        token = calls.begin(call)
        try:
            async with lock:
                reply = self._outbound.reply(row.platform, credentials, message.to)
                await reply.finish(await self._turn(row, scope, message, reply.show))
        finally:
            calls.end(token)
            lock, waiting = self._turns.pop(key)
            if waiting > 1:
                self._turns[key] = (lock, waiting - 1)

    def _events(self, row, scope: Scope, session: str, message: Incoming):
        """The turn's events: the chatbot's chat, or the chatflow's run."""
        if row.chatbot_id:
            return self._chat.chat(
                scope, row.chatbot_id, session, message.text, message.visitor, None, ""
            )
        flow = resources.CHATFLOW.name(scope.organization_id, scope.workspace_id, row.chatflow_id)
        return self._executor.execute(scope, flow, message.text, {}, session, message.visitor, "")

    async def _turn(self, row, scope: Scope, message: Incoming, show) -> list[str]:
        """The reply's messages: the answer with its sources, or a notice; ``show``: shows
        the answer so far while it is written."""
        sessions = self._chat_sessions if row.chatbot_id else self._flow_sessions
        parts, sources = [], {}
        try:
            session = await sessions.of_channel(row.id, message.visitor)
            async for event in self._events(row, scope, session, message):
                if isinstance(event, events.Delta | flow_events.Delta):
                    parts.append(event.text)
                    await show("".join(parts))
                elif isinstance(event, events.Cited | flow_events.Cited):
                    for cited in event.citations:
                        sources.setdefault(cited.citation.document_display_name, "")
        except DomainError as refused:
            log.info("%s turn refused: %s", row.platform, refused.reason)
            return [BUSY if isinstance(refused, ResourceExhausted) else UNAVAILABLE]
        return compose(row.platform, "".join(parts), list(sources.items())) or [UNAVAILABLE]
