"""Chatflow analytics: the chatbots' aggregates (bots/analytics.py) over a chatflow's
stored messages."""

from __future__ import annotations

from privexbot.bots.analytics import ConversationAnalytics
from privexbot.kernel import resources
from privexbot.store.flow_models import Chatflow, ChatflowMessage, ChatflowSession


def chatflow_analytics(sessions) -> ConversationAnalytics:
    return ConversationAnalytics(
        sessions, Chatflow, resources.CHATFLOW, ChatflowMessage, ChatflowSession, "chatflow_id"
    )
