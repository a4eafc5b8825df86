"""A channel's inbound message answered after its webhook call is acknowledged (its turn
queued by ``turns.Turns``): one chat
turn of the channel's chatbot through the normal chat path (``Chat.chat``: memory window,
grounding, quota, rate limits per channel and per platform user) — or one run of its
chatflow (``Executor.execute``, the same rules) — in the session the channel keeps with
that conversation, as a ``channel`` principal speaking for the platform's user. The reply
is shown while it is written where the platform edits messages, then composed for the
platform (``compose``) and sent through its send API (``Outbound``). A refused turn
(quota, rate limit, an unpublished chatbot) is answered with a short notice so the user is
not left waiting."""

from __future__ import annotations

import logging

from privexbot.bots import events
from privexbot.channels.compose import compose
from privexbot.channels.messages import Incoming
from privexbot.channels.outbound import Outbound
from privexbot.flows import events as flow_events
from privexbot.kernel import calls, contract, resources
from privexbot.kernel.errors import DomainError, ResourceExhausted
from privexbot.kernel.ids import new_id
from privexbot.kernel.principal import Principal
from privexbot.kernel.resources import Scope

log = logging.getLogger("privexbot.channels")
BUSY = "Too many messages right now; please try again in a minute."
UNAVAILABLE = "Sorry, I cannot answer right now."
WEBHOOK = "/privexbot.v1.BotService/ReceiveChannelWebhook"  # the call a turn continues


def channel_call(row) -> calls.Call:
    """The call a channel's turn runs as: the channel speaking for the platform's user."""
    scope = Scope(row.organization_id, row.workspace_id)
    principal = Principal(
        "channel", row.id, organization_id=row.organization_id, workspace_id=row.workspace_id
    )
    return calls.Call(contract.methods()[WEBHOOK], new_id(), principal=principal, scope=scope)


class Conversations:
    def __init__(self, chat, chat_sessions, executor, flow_sessions, outbound: Outbound) -> None:
        """``chat``: ``Chat``; ``executor``: chatflows' ``Executor``; the sessions (chatbots'
        and chatflows') find the one a channel keeps with a conversation."""
        self._chat, self._chat_sessions, self._outbound = chat, chat_sessions, outbound
        self._executor, self._flow_sessions = executor, flow_sessions

    async def answer(self, row, credentials: dict, message: Incoming, progress) -> None:
        """One turn, in the channel's call (``channel_call``; ``turns.Turns`` runs one at a
        time per conversation); ``progress`` (``turns.Progress``): the reply and its
        delivery so far, kept on the turn."""
        scope = Scope(row.organization_id, row.workspace_id)
        reply = self._outbound.reply(row.platform, credentials, message.to, progress)
        if progress.reply is None:  # not composed yet (a retry sends the reply kept)
            retried = progress.attempts > 1
            await progress.keep(await self._turn(row, scope, message, reply.show, retried))
        await reply.finish(progress.reply)

    def _events(self, row, scope: Scope, session: str, message: Incoming):
        """The turn's events: the chatbot's chat, or the chatflow's run."""
        if row.chatbot_id:
            return self._chat.chat(
                scope, row.chatbot_id, session, message.text, message.visitor, None, ""
            )
        flow = resources.CHATFLOW.name(scope.organization_id, scope.workspace_id, row.chatflow_id)
        return self._executor.execute(scope, flow, message.text, {}, session, message.visitor, "")

    async def _turn(self, row, scope: Scope, message: Incoming, show, retried: bool) -> list[str]:
        """The reply's messages: the answer with its sources, or a notice; ``show``: shows
        the answer so far while it is written. A ``retried`` turn's question, if a dead
        worker stored it unanswered, is dropped before it is asked again."""
        sessions = self._chat_sessions if row.chatbot_id else self._flow_sessions
        parts, sources = [], {}
        try:
            session = await sessions.of_channel(row.id, message.visitor)
            if retried and session:
                await sessions.drop_unanswered(session, message.text)
            async for event in self._events(row, scope, session, message):
                if isinstance(event, events.Delta):  # the gateway's, for both
                    parts.append(event.text)
                    await show("".join(parts))
                elif isinstance(event, events.Cited | flow_events.Cited):
                    for cited in event.citations:
                        sources.setdefault(cited.citation.document_display_name, "")
        except DomainError as refused:
            log.info("%s turn refused: %s", row.platform, refused.reason)
            return [BUSY if isinstance(refused, ResourceExhausted) else UNAVAILABLE]
        return compose(row.platform, "".join(parts), list(sources.items())) or [UNAVAILABLE]
