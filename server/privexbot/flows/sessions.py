"""Chatflow conversations in SQL, kept like a chatbot's (bots/sessions.py): the question and
the answer of each run, sessions listed most recently active first, read with their
messages, answers rated; plus the session's conversation variables. A widget visitor sees
only their own sessions (NOT_FOUND otherwise); a member may read every session but speaks
and rates only in their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from privexbot.bots.sessions import FeedbackView, MessageView, verdict_from_record
from privexbot.inference.gateway import Message
from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, PermissionDenied, not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge.search import ScoredCitation
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


def _message_name(row: ChatflowSession, message: ChatflowMessage) -> str:
    return resources.CHATFLOW_MESSAGE.name(
        row.organization_id, row.workspace_id, row.chatflow_id, row.id, message.id
    )


def _feedback(row, message) -> FeedbackView | None:
    if not message.feedback_rating:
        return None
    return FeedbackView(
        _message_name(row, message),
        message.feedback_rating,
        message.feedback_comment,
        message.feedback_at,
    )


def _message_view(row: ChatflowSession, message: ChatflowMessage) -> MessageView:
    return from_row(
        MessageView,
        message,
        name=_message_name(row, message),
        citations=tuple(ScoredCitation.from_record(c) for c in message.citations),
        verdict=verdict_from_record(message.attestation),
        chatbot_version=message.chatflow_version,
        feedback=_feedback(row, message),
    )


async def _named(session, name: str) -> ChatflowSession | None:
    org, ws, flow_id, session_id = resources.CHATFLOW_SESSION.parse(name)
    row = await session.get(ChatflowSession, session_id)
    if row is None or (org, ws, flow_id) != (
        row.organization_id,
        row.workspace_id,
        row.chatflow_id,
    ):
        return None
    return row


def _ensure_own(row: ChatflowSession, visitor: str, name: str) -> None:
    if row.visitor_id == visitor:
        return
    if current().principal.is_publishable_key:
        raise not_found(name)
    raise PermissionDenied(
        "NOT_YOUR_SESSION", "only the session's own visitor can continue or rate it"
    )


class FlowSessions:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def continued(
        self, scope: Scope, flow_id: str, name: str, visitor: str, window: int = 20
    ) -> Conversation:
        if not name:
            return Conversation(new_id(), [], {}, True)
        org, ws, flow, _ = resources.CHATFLOW_SESSION.parse(name, "session")
        async with self._sessions() as session:
            row = await _named(session, name)
            if row is None or (org, ws, flow) != (
                scope.organization_id,
                scope.workspace_id,
                flow_id,
            ):
                raise not_found(name)
            _ensure_own(row, visitor, name)
            rows = (
                await session.execute(
                    select(ChatflowMessage.role, ChatflowMessage.content)
                    .where(ChatflowMessage.session_id == row.id)
                    .order_by(ChatflowMessage.id.desc())
                    .limit(window)
                )
            ).all()
        history = [Message(role, content) for role, content in reversed(rows)]
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
        """The question and the answer (``answer``: content, citations, tokens, finish,
        incomplete, attestation, version, run_id) in one transaction; the answer's name."""
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatflowSession, conversation.id)
            if row is None:
                row = ChatflowSession(
                    id=conversation.id,
                    chatflow_id=flow_id,
                    organization_id=scope.organization_id,
                    workspace_id=scope.workspace_id,
                    visitor_id=visitor,
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
            session.add(
                ChatflowMessage(
                    role="user",
                    content=question,
                    knowledge_hit=answer.get("knowledge_hit"),
                    retrieval=answer.get("retrieval"),
                    **common,
                )  # fmt: skip
            )
            await session.flush()
            message = ChatflowMessage(
                role="assistant",
                content=answer["content"],
                citations=answer["citations"],
                prompt_tokens=answer["prompt_tokens"],
                completion_tokens=answer["completion_tokens"],
                finish_reason=answer["finish_reason"],
                incomplete=answer["incomplete"],
                attestation=answer["attestation"],
                **common,
            )
            session.add(message)
            await session.flush()
            return _message_name(row, message)

    def name_of(self, scope: Scope, flow_id: str, session_id: str) -> str:
        return resources.CHATFLOW_SESSION.name(
            scope.organization_id, scope.workspace_id, flow_id, session_id
        )

    async def list(
        self, scope: Scope, flow_id: str, size: int, token: str
    ) -> tuple[list[FlowSessionView], str]:
        async with self._sessions() as session:
            await standard.get(session, Chatflow, resources.CHATFLOW, scope, flow_id)
        query_id = ("chatflow_sessions", flow_id)
        after = pagination.decode(token, query_id)
        query = select(ChatflowSession).where(ChatflowSession.chatflow_id == flow_id)
        if after:
            time, _, last_id = after.partition("|")
            at = datetime.fromisoformat(time)
            query = query.where(
                or_(
                    ChatflowSession.updated_at < at,
                    and_(ChatflowSession.updated_at == at, ChatflowSession.id < last_id),
                )
            )
        query = query.order_by(ChatflowSession.updated_at.desc(), ChatflowSession.id.desc())
        async with self._sessions() as session:
            rows = list((await session.execute(query.limit(size + 1))).scalars())
        page, next_token = pagination.page(
            rows, size, lambda r: f"{r.updated_at.isoformat()}|{r.id}", query_id
        )
        return [from_row(FlowSessionView, r) for r in page], next_token

    async def get(self, name: str, size: int, token: str):
        async with self._sessions() as session:
            row = await _named(session, name)
            if row is None:
                raise not_found(name)
            query_id = ("chatflow_messages", row.id)
            query = select(ChatflowMessage).where(ChatflowMessage.session_id == row.id)
            messages = list(
                (
                    await session.execute(
                        pagination.keyset(
                            query, ChatflowMessage.id, size, token, query_id, "message_page_token"
                        )
                    )
                ).scalars()
            )
        page, next_token = pagination.page(messages, size, lambda m: m.id, query_id)
        return from_row(FlowSessionView, row), [_message_view(row, m) for m in page], next_token

    async def submit_feedback(
        self, name: str, rating: str, comment: str, visitor_id: str
    ) -> FeedbackView:
        message_id = resources.CHATFLOW_MESSAGE.id_of(name)
        principal = current().principal
        visitor = visitor_id if principal.is_publishable_key else principal.resource_name
        async with self._sessions() as session, session.begin():
            row = await _named(session, resources.CHATFLOW_MESSAGE.parent(name))
            message = await session.get(ChatflowMessage, message_id)
            if row is None or message is None or message.session_id != row.id:
                raise not_found(name)
            _ensure_own(row, visitor, name)
            if message.role != "assistant":
                raise InvalidArgument.field("name", "must name an assistant message")
            message.feedback_rating, message.feedback_comment = rating, comment
            message.feedback_at = datetime.now(UTC)
            return _feedback(row, message)
