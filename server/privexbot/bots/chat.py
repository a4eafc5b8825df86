"""Chat with a published chatbot (members, API keys, website visitors, a channel's platform
users) and test chats with a draft: who may chat and within which limits, then one exchange
(exchange.py) whose messages are kept in the chatbot's sessions (sessions.py) or, for a
draft, with the draft in the ephemeral store."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from privexbot.bots import config as bot_config
from privexbot.bots import events, widget
from privexbot.bots.chatbots import Chatbots, ChatbotView
from privexbot.bots.drafts import Drafts, test_session_key
from privexbot.bots.exchange import Exchange, Reply, Turn
from privexbot.bots.sessions import ChatSessions
from privexbot.inference.gateway import Message
from privexbot.kernel import resources, tasks
from privexbot.kernel.calls import current
from privexbot.kernel.errors import FailedPrecondition, not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.tenancy.usage import ensure_message_quota


class Chat:
    def __init__(
        self,
        sessions,
        store,
        exchange: Exchange,
        chat_sessions: ChatSessions,
        widget_policy: widget.WidgetPolicy,
        drafts: Drafts,
        chatbots: Chatbots,
        embed,
    ) -> None:
        """``embed``: texts -> embeddings (the enclave's)."""
        self._sessions, self._store, self._exchange = sessions, store, exchange
        self._chat_sessions, self._widget = chat_sessions, widget_policy
        self._drafts, self._chatbots, self._embed = drafts, chatbots, embed

    async def _published(self, scope: Scope, bot_id: str) -> tuple[ChatbotView, dict]:
        bot = await self._chatbots.get(scope, bot_id)
        if bot.published_config is None:
            raise FailedPrecondition("NOT_PUBLISHED", "publish the chatbot before chatting")
        return bot, bot_config.normalized(bot.published_config, "config")

    async def widget(self, scope: Scope, bot_id: str, origin: str) -> dict:
        """The published configuration a website widget shows (a key: from an allowed origin)."""
        _, config = await self._published(scope, bot_id)
        widget.require_origin(config, origin)
        return config

    async def chat(
        self,
        scope: Scope,
        bot_id: str,
        session_name: str,
        question: str,
        visitor_id: str,
        lead: dict | None,
        origin: str,
    ) -> AsyncIterator[events.Event]:
        principal = current().principal
        if principal.speaks_for_visitors:  # per key (a channel: per channel) and visitor
            await self._widget.count_chat(principal.id, visitor_id)
        # The question's embedding (most of retrieval's time, in the enclave) starts now,
        # beside the chatbot's lookup, and retrieval goes on while the quota and the session
        # are read. A widget's rate limits are counted first: a refused call costs the enclave
        # nothing. A chatbot without knowledge bases leaves the embedding unused.
        embedding = asyncio.ensure_future(self._embed([question]))
        retrieval = None
        try:
            bot, config = await self._published(scope, bot_id)
            visitor = widget.visitor(config, visitor_id, origin)
            retrieval = asyncio.ensure_future(
                self._exchange.retrieve(scope, config, question, embedding)
            )
            async with self._sessions() as session:
                await ensure_message_quota(session, scope.organization_id)
                continued = await self._chat_sessions.continued(
                    session,
                    scope,
                    bot_id,
                    session_name,
                    visitor,
                    bot_config.memory_window(config),
                )
            kept_lead = widget.lead(config, lead, continued.lead)

            async def begin(reply: Reply) -> str:
                return await self._chat_sessions.store_question(
                    bot, continued, visitor, kept_lead, question, reply
                )

            async def finish(reply: Reply) -> str:
                return await self._chat_sessions.store_reply(bot, continued.id, reply)

            source = resources.CHATBOT.name(scope.organization_id, scope.workspace_id, bot_id)
            turn = Turn(scope, config, continued.history, question, retrieval, source)
            async for event in self._exchange.converse(turn, begin, finish):
                yield event
        finally:  # never awaited when chat was refused before generation
            tasks.discard(embedding)
            if retrieval is not None:
                tasks.discard(retrieval)

    async def test_draft(
        self, scope: Scope, draft_id: str, session_name: str, question: str
    ) -> AsyncIterator[events.Event]:
        """Chat with a draft; its test sessions live (and vanish) with the draft."""
        draft = await self._drafts.get(scope, draft_id)
        if session_name:
            org, ws, ref_draft, session_id = resources.DRAFT_CHAT_SESSION.parse(
                session_name, "session"
            )
            if (org, ws, ref_draft) != (scope.organization_id, scope.workspace_id, draft_id):
                raise not_found(session_name)
            raw = await self._store.get(test_session_key(scope, draft_id, session_id))
            if raw is None:
                raise not_found(session_name)
            turns = json.loads(raw)
        else:
            session_id, turns = new_id(), []
        config = bot_config.normalized(draft.config, "config")
        window = bot_config.memory_window(config)
        history = [Message(t["role"], t["content"]) for t in turns[-window:]] if window else []
        key = test_session_key(scope, draft_id, session_id)

        async def begin(reply: Reply) -> str:
            return resources.DRAFT_CHAT_SESSION.name(
                scope.organization_id, scope.workspace_id, draft_id, session_id
            )

        async def finish(reply: Reply) -> str:
            turns.extend(
                [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": reply.text},
                ]
            )
            await self._store.set(key, json.dumps(turns), self._drafts.ttl)
            return ""

        retrieval = self._exchange.retrieve(scope, config, question)
        source = resources.CHATBOT_DRAFT.name(scope.organization_id, scope.workspace_id, draft_id)
        turn = Turn(scope, config, history, question, retrieval, source)
        async for event in self._exchange.converse(turn, begin, finish):
            yield event
