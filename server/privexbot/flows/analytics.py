"""Chatflow analytics: the chatbots' aggregates (bots/analytics.py) over a chatflow's
stored messages."""

from __future__ import annotations

from datetime import datetime

from privexbot.bots.analytics import Analytics, aggregate
from privexbot.kernel import resources, standard
from privexbot.kernel.resources import Scope
from privexbot.store.flow_models import Chatflow, ChatflowMessage, ChatflowSession


class ChatflowAnalytics:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def of(self, scope: Scope, flow_id: str, start: datetime, end: datetime) -> Analytics:
        async with self._sessions() as session:  # NOT_FOUND unless the chatflow is in scope
            await standard.get(session, Chatflow, resources.CHATFLOW, scope, flow_id)
        return await aggregate(
            self._sessions,
            scope,
            flow_id,
            start,
            end,
            ChatflowMessage,
            ChatflowSession,
            "chatflow_id",
        )
