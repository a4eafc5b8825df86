"""Chatbot and chatflow analytics: aggregates computed in SQL over the stored messages of a
time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, select

from privexbot.bots.sessions import Transcripts
from privexbot.kernel import resources, standard
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.resources import Scope

DEFAULT_RANGE = timedelta(days=30)
MAX_RANGE = timedelta(days=366)
UNANSWERED_SHOWN = 20


@dataclass(frozen=True)
class Analytics:
    start: datetime
    end: datetime
    conversations: int
    messages: int
    unique_visitors: int
    prompt_tokens: int
    completion_tokens: int
    feedback_up: int
    feedback_down: int
    knowledge_hit_rate: float
    unanswered_questions: list[str]
    # (channel name, conversations with a message in the range), most first.
    channel_conversations: tuple[tuple[str, int], ...]


def time_range(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    """[start, end): the last 30 days by default, at most a year."""
    end = end or datetime.now(UTC)
    start = start or end - DEFAULT_RANGE
    if start >= end:
        raise InvalidArgument.field("start_time", "must be before end_time")
    if end - start > MAX_RANGE:
        raise InvalidArgument.field("start_time", "the range may span at most 366 days")
    return start, end


class ConversationAnalytics:
    """A chatbot's or chatflow's analytics, over the sessions and messages its ``kind``
    of transcripts declares (``ChatSessions``, ``FlowSessions``: the owner's model and
    pattern, the session and message models); the owner must be in the caller's scope."""

    def __init__(self, sessions, kind: type[Transcripts]) -> None:
        self._sessions, self._kind = sessions, kind

    async def of(self, scope: Scope, owner_id: str, start: datetime, end: datetime) -> Analytics:
        kind = self._kind
        async with self._sessions() as session:  # NOT_FOUND unless it is in scope
            await standard.get(session, kind.owner_model, kind.owner_pattern, scope, owner_id)
        return await self._aggregate(scope, owner_id, start, end)

    async def _aggregate(
        self, scope: Scope, owner_id: str, start: datetime, end: datetime
    ) -> Analytics:
        m, conversations = self._kind.message_model, self._kind.session_model
        owner = getattr(m, f"{self._kind.owner}_id")
        in_range = (owner == owner_id, m.created_at >= start, m.created_at < end)
        assistant = m.role == "assistant"
        async with self._sessions() as session:
            totals = (
                await session.execute(
                    select(
                        func.count(func.distinct(m.session_id)),
                        func.count(),
                        func.coalesce(func.sum(m.prompt_tokens), 0),
                        func.coalesce(func.sum(m.completion_tokens), 0),
                        func.count(case((assistant & (m.feedback_rating == "up"), 1))),
                        func.count(case((assistant & (m.feedback_rating == "down"), 1))),
                        func.count(m.knowledge_hit),
                        func.count(case((m.knowledge_hit.is_(True), 1))),
                    ).where(*in_range)
                )
            ).one()
            visitors = await session.scalar(
                select(func.count(func.distinct(conversations.visitor_id)))
                .select_from(m)
                .join(conversations, conversations.id == m.session_id)
                .where(*in_range)
            )
            unanswered = list(
                await session.scalars(
                    select(m.content)
                    .where(*in_range, m.knowledge_hit.is_(False))
                    .order_by(m.created_at.desc(), m.id.desc())
                    .limit(UNANSWERED_SHOWN)
                )
            )
            by_channel = await session.execute(  # sessions that came through a channel
                select(conversations.channel_id, func.count(func.distinct(m.session_id)))
                .select_from(m)
                .join(conversations, conversations.id == m.session_id)
                .where(*in_range, conversations.channel_id.is_not(None))
                .group_by(conversations.channel_id)
                .order_by(func.count(func.distinct(m.session_id)).desc(), conversations.channel_id)
            )
            channel = resources.CHANNEL.name
            channel_conversations = tuple(
                (channel(scope.organization_id, scope.workspace_id, channel_id), count)
                for channel_id, count in by_channel.all()
            )
        conversations, messages, prompt, completion, up, down, retrieved, hits = totals
        return Analytics(
            start,
            end,
            conversations,
            messages,
            visitors,
            int(prompt),
            int(completion),
            up,
            down,
            hits / retrieved if retrieved else 0.0,
            unanswered,
            channel_conversations,
        )
