"""Chat sessions and their messages in SQL: each exchange's two messages stored (the question
when the reply starts, the reply whole or in part when it ends), sessions listed most
recently active first, read with their messages, and assistant messages rated.

Sessions are their visitor's: a widget visitor cannot see anyone else's (NOT_FOUND); a
member, who may read every session, still cannot speak or rate in another's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from privexbot.bots.chatbots import ChatbotView
from privexbot.bots.exchange import Reply
from privexbot.inference.attestation import Verdict
from privexbot.inference.gateway import Message
from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, PermissionDenied, not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge.search import ScoredCitation
from privexbot.store.models import Chatbot, ChatMessage, ChatSession


@dataclass(frozen=True)
class SessionView(InWorkspace, pattern=resources.CHAT_SESSION):
    chatbot_id: str
    visitor_id: str
    lead: dict | None
    message_count: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class FeedbackView:
    message: str  # the rated message's name
    rating: str  # up | down
    comment: str
    created_at: datetime | None


@dataclass(frozen=True)
class MessageView:
    name: str
    role: str
    content: str
    citations: tuple[ScoredCitation, ...]
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    incomplete: bool
    verdict: Verdict | None
    chatbot_version: int
    feedback: FeedbackView | None
    created_at: datetime


def _session_view(row: ChatSession) -> SessionView:
    return from_row(SessionView, row)


def _message_name(session: ChatSession, message: ChatMessage) -> str:
    return resources.CHAT_MESSAGE.name(
        session.organization_id, session.workspace_id, session.chatbot_id, session.id, message.id
    )


def _feedback_view(session: ChatSession, message: ChatMessage) -> FeedbackView:
    return FeedbackView(
        _message_name(session, message),
        message.feedback_rating,
        message.feedback_comment,
        message.feedback_at,
    )


def _message_view(session: ChatSession, message: ChatMessage) -> MessageView:
    return from_row(
        MessageView,
        message,
        name=_message_name(session, message),
        citations=tuple(ScoredCitation.from_record(c) for c in message.citations),
        verdict=verdict_from_record(message.attestation),
        feedback=_feedback_view(session, message) if message.feedback_rating else None,
    )


def verdict_record(verdict: Verdict | None) -> dict | None:
    if verdict is None:
        return None
    record = asdict(verdict)
    record["checked_at"] = verdict.checked_at.isoformat()
    record["rtmrs"] = list(verdict.rtmrs)
    return record


def verdict_from_record(record: dict | None) -> Verdict | None:
    if record is None:
        return None
    return Verdict(
        **{
            **record,
            "checked_at": datetime.fromisoformat(record["checked_at"]),
            "rtmrs": tuple(record["rtmrs"]),
        }
    )


async def _named(session, name: str, pattern=resources.CHAT_SESSION) -> ChatSession | None:
    """The session ``name`` points at, or None: its own row must say it belongs to that
    organization, workspace and chatbot (the name alone proves nothing)."""
    org, ws, bot_id, session_id = pattern.parse(name)[:4]
    row = await session.get(ChatSession, session_id)
    if row is None or (org, ws, bot_id) != (row.organization_id, row.workspace_id, row.chatbot_id):
        return None
    return row


def _ensure_own(row: ChatSession, visitor: str, name: str) -> None:
    if row.visitor_id == visitor:
        return
    if current().principal.is_publishable_key:
        raise not_found(name)
    raise PermissionDenied(
        "NOT_YOUR_SESSION", "only the session's own visitor can continue or rate it"
    )


@dataclass(frozen=True)
class Continued:
    """A chat session going on: its id (new or existing), its lead and recent history."""

    id: str
    lead: dict | None
    history: list[Message]


class ChatSessions:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def continued(
        self, session, scope: Scope, bot_id: str, name: str, visitor: str, window: int
    ) -> Continued:
        """The session ``name`` (a new one when empty), the visitor's own, with its last
        ``window`` messages."""
        if not name:
            return Continued(new_id(), None, [])
        org, ws, bot, _ = resources.CHAT_SESSION.parse(name, "session")
        row = await _named(session, name)
        if row is None or (org, ws, bot) != (scope.organization_id, scope.workspace_id, bot_id):
            raise not_found(name)
        _ensure_own(row, visitor, name)
        history = []
        if window:
            rows = (
                await session.execute(
                    select(ChatMessage.role, ChatMessage.content)
                    .where(ChatMessage.session_id == row.id)
                    .order_by(ChatMessage.id.desc())
                    .limit(window)
                )
            ).all()
            history = [Message(role, content) for role, content in reversed(rows)]
        return Continued(row.id, row.lead, history)

    async def store_question(
        self,
        bot: ChatbotView,
        session_id: str,
        visitor: str,
        lead: dict | None,
        question: str,
        reply: Reply,
    ) -> str:
        """The question, in its session (made now for a new one); the session's name."""
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatSession, session_id)
            if row is None:
                row = ChatSession(
                    id=session_id,
                    chatbot_id=bot.id,
                    organization_id=bot.organization_id,
                    workspace_id=bot.workspace_id,
                    visitor_id=visitor,
                )
                session.add(row)
                await session.flush()  # the message below refers to it
            row.lead = lead
            row.lead_email = lead["email"] if lead else None
            row.message_count = (row.message_count or 0) + 1
            row.updated_at = datetime.now(UTC)
            session.add(
                ChatMessage(
                    session_id=session_id,
                    chatbot_id=bot.id,
                    organization_id=bot.organization_id,
                    role="user",
                    content=question,
                    retrieval=reply.retrieval,
                    knowledge_hit=None
                    if reply.retrieval is None
                    else reply.retrieval["relevant"] > 0,
                    chatbot_version=bot.published_version,
                )
            )
            return _session_view(row).name

    async def store_reply(self, bot: ChatbotView, session_id: str, reply: Reply) -> str:
        """The reply, whole or in part; its message's name."""
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatSession, session_id)
            row.message_count += 1
            row.updated_at = datetime.now(UTC)
            usage = reply.usage
            message = ChatMessage(
                session_id=session_id,
                chatbot_id=bot.id,
                organization_id=bot.organization_id,
                role="assistant",
                content=reply.text,
                citations=[c.record() for c in reply.citations],
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                finish_reason=reply.finish,
                incomplete=not reply.complete,
                attestation=verdict_record(reply.verdict),
                chatbot_version=bot.published_version,
            )
            session.add(message)
            await session.flush()
            return _message_name(row, message)

    async def list(
        self, scope: Scope, bot_id: str, size: int, token: str
    ) -> tuple[list[SessionView], str]:
        """Most recently active first; the token holds the last row's (time, id)."""
        async with self._sessions() as session:  # NOT_FOUND unless the chatbot is in scope
            await standard.get(session, Chatbot, resources.CHATBOT, scope, bot_id)
        query_id = ("chat_sessions", bot_id)
        after = pagination.decode(token, query_id)
        query = select(ChatSession).where(ChatSession.chatbot_id == bot_id)
        if after:
            time, _, last_id = after.partition("|")
            at = datetime.fromisoformat(time)
            query = query.where(
                or_(
                    ChatSession.updated_at < at,
                    and_(ChatSession.updated_at == at, ChatSession.id < last_id),
                )
            )
        query = query.order_by(ChatSession.updated_at.desc(), ChatSession.id.desc())
        async with self._sessions() as session:
            rows = list((await session.execute(query.limit(size + 1))).scalars())
        page, next_token = pagination.page(
            rows, size, lambda r: f"{r.updated_at.isoformat()}|{r.id}", query_id
        )
        return [_session_view(r) for r in page], next_token

    async def get(
        self, name: str, size: int, token: str
    ) -> tuple[SessionView, list[MessageView], str]:
        async with self._sessions() as session:
            row = await _named(session, name)
            if row is None:
                raise not_found(name)
            query_id = ("chat_messages", row.id)
            query = select(ChatMessage).where(ChatMessage.session_id == row.id)
            messages = list(
                (
                    await session.execute(
                        pagination.keyset(
                            query, ChatMessage.id, size, token, query_id, "message_page_token"
                        )
                    )
                ).scalars()
            )
        page, next_token = pagination.page(messages, size, lambda m: m.id, query_id)
        return _session_view(row), [_message_view(row, m) for m in page], next_token

    async def submit_feedback(
        self, name: str, rating: str, comment: str, visitor_id: str
    ) -> FeedbackView:
        """Rate an assistant message of one's own session; a second rating replaces it."""
        message_id = resources.CHAT_MESSAGE.id_of(name)
        principal = current().principal
        visitor = visitor_id if principal.is_publishable_key else principal.resource_name
        async with self._sessions() as session, session.begin():
            row = await _named(session, resources.CHAT_MESSAGE.parent(name))
            message = await session.get(ChatMessage, message_id)
            if row is None or message is None or message.session_id != row.id:
                raise not_found(name)
            _ensure_own(row, visitor, name)
            if message.role != "assistant":
                raise InvalidArgument.field("name", "must name an assistant message")
            message.feedback_rating, message.feedback_comment = rating, comment
            message.feedback_at = datetime.now(UTC)
            return _feedback_view(row, message)
