"""Chatflow conversations in SQL, kept like a chatbot's (bots/sessions.py): the question and
the answer of each run, sessions listed most recently active first, read with their
messages, answers rated; plus the session's conversation variables. A widget visitor sees
only their own sessions (NOT_FOUND otherwise); a member may read every session but speaks
and rates only in their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from privexbot.bots.sessions import Transcripts, caller_channel
from privexbot.inference.gateway import Message
from privexbot.kernel import resources
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace
from privexbot.store.flow_models import Chatflow, ChatflowMessage, ChatflowSession


@dataclass(frozen=True)
class FlowSessionView(InWorkspace, pattern=resources.CHATFLOW_SESSION):
    chatflow_id: str
    visitor_id: str
    message_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Conversation:
    """A session going on: its id (new or existing), history and conversation variables."""

    id: str
    history: list[Message]
    variables: dict
    new: bool


class FlowSessions(Transcripts):
    session_model, message_model, session_view = ChatflowSession, ChatflowMessage, FlowSessionView
    owner, owner_model, owner_pattern = "chatflow", Chatflow, resources.CHATFLOW
    message_pattern = resources.CHATFLOW_MESSAGE

    async def continued(
        self, scope: Scope, flow_id: str, name: str, visitor: str, window: int = 20
    ) -> Conversation:
        if not name:
            return Conversation(new_id(), [], {}, True)
        async with self._sessions() as session:
            row = await self._visitors(session, scope, flow_id, name, visitor)
            history = await self._history(session, row.id, window)
        return Conversation(row.id, history, dict(row.variables or {}), False)

    async def store(
        self,
        scope: Scope,
        flow_id: str,
        conversation: Conversation,
        visitor: str,
        question: str,
        answer: dict,
        variables: dict,
    ) -> str:
        """The question and the answer (``answer``: the ``reply`` message's columns, the
        ``version`` and ``run_id`` that answered, ``knowledge_hit``) in one transaction; the
        answer's name."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatflowSession, conversation.id)
            if row is None:
                row = ChatflowSession(
                    id=conversation.id,
                    chatflow_id=flow_id,
                    **scope.columns,
                    visitor_id=visitor,
                    channel_id=caller_channel(),
                )
                session.add(row)
                await session.flush()
            row.variables = variables
            row.message_count = (row.message_count or 0) + 2
            row.updated_at = now
            common = {
                "session_id": row.id,
                "chatflow_id": flow_id,
                "organization_id": scope.organization_id,
                "chatflow_version": answer["version"],
                "run_id": answer["run_id"],
            }
            user = ChatflowMessage(
                role="user", content=question, knowledge_hit=answer["knowledge_hit"], **common
            )
            session.add(user)
            await session.flush()
            message = ChatflowMessage(role="assistant", **answer["reply"], **common)
            session.add(message)
            await session.flush()
            return self._message_name(row, message)

    def name_of(self, scope: Scope, flow_id: str, session_id: str) -> str:
        return resources.CHATFLOW_SESSION.name(
            scope.organization_id, scope.workspace_id, flow_id, session_id
        )
