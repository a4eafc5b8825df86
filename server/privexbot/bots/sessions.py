"""Chat sessions and their messages in SQL: each exchange's two messages stored (the question
when the reply starts, the reply whole or in part when it ends), sessions listed most
recently active first, read with their messages, and assistant messages rated.

Sessions are their visitor's: a widget visitor cannot see anyone else's (NOT_FOUND); a
member, who may read every session, still cannot speak or rate in another's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update

from privexbot.bots.chatbots import ChatbotView
from privexbot.bots.exchange import Reply
from privexbot.inference.attestation import Verdict
from privexbot.inference.gateway import Message
from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument, PermissionDenied, not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Pattern, Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge.search import ScoredCitation
from privexbot.store.chat_models import ChatMessage, ChatSession, Lead
from privexbot.store.models import Chatbot


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


def caller_channel() -> str | None:
    """The channel a new session comes through: the caller's, when a channel is calling."""
    principal = current().principal
    return principal.id if principal.is_channel else None


def _ensure_own(row: ChatSession, visitor: str, name: str) -> None:
    if row.visitor_id == visitor:
        return
    if current().principal.is_publishable_key:
        raise not_found(name)
    raise PermissionDenied(
        "NOT_YOUR_SESSION", "only the session's own visitor can continue or rate it"
    )


class Transcripts:
    """Sessions of one kind (a chatbot's or a chatflow's) and their messages: found by name
    and checked against their own row, continued by their own visitor only, listed most
    recently active first, read with their messages, rated."""

    session_model: type
    message_model: type
    owner: str  # "chatbot": the sessions' chatbot_id, the messages' chatbot_version
    owner_model: type
    owner_pattern: Pattern
    session_view: type
    message_pattern: Pattern

    def __init__(self, sessions) -> None:
        self._sessions = sessions

    def _message_name(self, row, message) -> str:
        owner_id = getattr(row, f"{self.owner}_id")
        return self.message_pattern.name(
            row.organization_id, row.workspace_id, owner_id, row.id, message.id
        )

    def _feedback_view(self, row, message) -> FeedbackView:
        return FeedbackView(
            self._message_name(row, message),
            message.feedback_rating,
            message.feedback_comment,
            message.feedback_at,
        )

    def _message_view(self, row, message) -> MessageView:
        return from_row(
            MessageView,
            message,
            name=self._message_name(row, message),
            citations=tuple(ScoredCitation.from_record(c) for c in message.citations),
            verdict=verdict_from_record(message.attestation),
            chatbot_version=getattr(message, f"{self.owner}_version"),
            feedback=self._feedback_view(row, message) if message.feedback_rating else None,
        )

    async def _named(self, session, name: str):
        """The session ``name`` points at, or None: its own row must say it belongs to that
        organization, workspace and owner (the name alone proves nothing)."""
        org, ws, owner_id, session_id = self.session_view.pattern.parse(name)[:4]
        row = await session.get(self.session_model, session_id)
        if row is None or (org, ws, owner_id) != (
            row.organization_id,
            row.workspace_id,
            getattr(row, f"{self.owner}_id"),
        ):
            return None
        return row

    async def _visitors(self, session, scope: Scope, owner_id: str, name: str, visitor: str):
        """The session ``name`` of this owner in scope, if it is ``visitor``'s."""
        org, ws, owner, _ = self.session_view.pattern.parse(name, "session")
        row = await self._named(session, name)
        if row is None or (org, ws, owner) != (scope.organization_id, scope.workspace_id, owner_id):
            raise not_found(name)
        _ensure_own(row, visitor, name)
        return row

    async def _history(self, session, session_id: str, window: int) -> list[Message]:
        """The last ``window`` messages, oldest first."""
        messages = self.message_model
        rows = (
            await session.execute(
                select(messages.role, messages.content)
                .where(messages.session_id == session_id)
                .order_by(messages.id.desc())
                .limit(window)
            )
        ).all()
        return [Message(role, content) for role, content in reversed(rows)]

    async def drop_unanswered(self, name: str, question: str) -> None:
        """Remove ``question`` if it is the session's last message, unanswered: what a
        channel turn's worker stored before it died (the turn is asking it again)."""
        messages = self.message_model
        async with self._sessions() as session, session.begin():
            row = await self._named(session, name)
            if row is None:
                return
            last = await session.scalar(
                select(messages)
                .where(messages.session_id == row.id)
                .order_by(messages.id.desc())
                .limit(1)
            )
            if last is not None and (last.role, last.content) == ("user", question):
                await session.delete(last)
                row.message_count -= 1

    async def of_channel(self, channel_id: str, visitor: str) -> str:
        """The name of the session a channel holds with ``visitor`` (its latest), or ''."""
        model = self.session_model
        async with self._sessions() as session:
            row = await session.scalar(
                select(model)
                .where(model.channel_id == channel_id, model.visitor_id == visitor)
                .order_by(model.id.desc())
                .limit(1)
            )
        return from_row(self.session_view, row).name if row is not None else ""

    async def list(self, scope: Scope, owner_id: str, size: int, token: str) -> tuple[list, str]:
        """Most recently active first."""
        model = self.session_model
        query_id = (model.__tablename__, owner_id)
        async with self._sessions() as session:  # NOT_FOUND unless the owner is in scope
            await standard.get(session, self.owner_model, self.owner_pattern, scope, owner_id)
            query = select(model).where(getattr(model, f"{self.owner}_id") == owner_id)
            rows, next_token = await standard.recent_page(
                session, query, model, size, token, query_id
            )
        return [from_row(self.session_view, r) for r in rows], next_token

    async def get(self, name: str, size: int, token: str) -> tuple[object, list[MessageView], str]:
        """The session and a page of its messages, oldest first."""
        messages = self.message_model
        async with self._sessions() as session:
            row = await self._named(session, name)
            if row is None:
                raise not_found(name)
            query_id = (messages.__tablename__, row.id)
            query = pagination.keyset(
                select(messages).where(messages.session_id == row.id),
                messages.id,
                size,
                token,
                query_id,
                "message_page_token",
            )
            found = list(await session.scalars(query))
        page, next_token = pagination.page(found, size, lambda m: m.id, query_id)
        view = from_row(self.session_view, row)
        return view, [self._message_view(row, m) for m in page], next_token

    async def submit_feedback(
        self, name: str, rating: str, comment: str, visitor_id: str
    ) -> FeedbackView:
        """Rate an assistant message of one's own session; a second rating replaces it."""
        message_id = self.message_pattern.id_of(name)
        principal = current().principal
        visitor = visitor_id if principal.is_publishable_key else principal.resource_name
        async with self._sessions() as session, session.begin():
            row = await self._named(session, self.message_pattern.parent(name))
            message = await session.get(self.message_model, message_id)
            if row is None or message is None or message.session_id != row.id:
                raise not_found(name)
            _ensure_own(row, visitor, name)
            if message.role != "assistant":
                raise InvalidArgument.field("name", "must name an assistant message")
            message.feedback_rating, message.feedback_comment = rating, comment
            message.feedback_at = datetime.now(UTC)
            return self._feedback_view(row, message)


async def _keep_lead(session, bot: ChatbotView, session_id: str, lead: dict) -> None:
    """The session's lead as the visitor left it (``widget.lead``), made or replaced."""
    contact = {
        "email": lead.get("email", ""),
        "display_name": lead.get("display_name", ""),
        "consent": bool(lead.get("consent")),
        "fields": dict(lead.get("fields") or {}),
    }
    kept = await session.get(Lead, session_id)
    if kept is not None and kept.contact == contact:
        return
    if kept is None:
        started = select(ChatSession.created_at).where(ChatSession.id == session_id)
        kept = Lead(
            id=session_id,
            organization_id=bot.organization_id,
            workspace_id=bot.workspace_id,
            chatbot_id=bot.id,
            created_at=await session.scalar(started),  # listed by when the session began
        )
        session.add(kept)
    kept.email = contact["email"] or None
    kept.display_name, kept.consent = contact["display_name"], contact["consent"]
    kept.fields = contact["fields"]
    kept.updated_at = datetime.now(UTC)


@dataclass(frozen=True)
class Continued:
    """A chat session going on: its id, its lead and recent history; ``new``: not stored
    yet (its first question makes it)."""

    id: str
    lead: dict | None
    history: list[Message]
    new: bool = False


class ChatSessions(Transcripts):
    session_model, message_model, session_view = ChatSession, ChatMessage, SessionView
    owner, owner_model, owner_pattern = "chatbot", Chatbot, resources.CHATBOT
    message_pattern = resources.CHAT_MESSAGE

    async def continued(
        self, session, scope: Scope, bot_id: str, name: str, visitor: str, window: int
    ) -> Continued:
        """The session ``name`` (a new one when empty), the visitor's own, with its last
        ``window`` messages."""
        if not name:
            return Continued(new_id(), None, [], new=True)
        row = await self._visitors(session, scope, bot_id, name, visitor)
        history = await self._history(session, row.id, window) if window else []
        return Continued(row.id, row.lead, history)

    async def store_question(
        self,
        bot: ChatbotView,
        continued: Continued,
        visitor: str,
        lead: dict | None,
        question: str,
        reply: Reply,
    ) -> str:
        """The question, in its session (made now for a new one); the session's name."""
        async with self._sessions() as session, session.begin():
            if continued.new:
                row = ChatSession(
                    id=continued.id,
                    chatbot_id=bot.id,
                    organization_id=bot.organization_id,
                    workspace_id=bot.workspace_id,
                    visitor_id=visitor,
                    channel_id=caller_channel(),
                    message_count=1,
                )
                session.add(row)
                await session.flush()  # the message and the lead below refer to it
            else:
                await self._counted(session, continued.id)
            if lead is not None:
                await _keep_lead(session, bot, continued.id, lead)
            session.add(
                ChatMessage(
                    session_id=continued.id,
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
        return resources.CHAT_SESSION.name(
            bot.organization_id, bot.workspace_id, bot.id, continued.id
        )

    @staticmethod
    async def _counted(session, session_id: str) -> None:
        """One more message in the session, which is active now (one statement)."""
        await session.execute(
            update(ChatSession)
            .where(ChatSession.id == session_id)
            .values(message_count=ChatSession.message_count + 1, updated_at=datetime.now(UTC))
        )

    async def store_reply(self, bot: ChatbotView, session_id: str, reply: Reply) -> str:
        """The reply, whole or in part; its message's name."""
        usage = reply.usage
        message = ChatMessage(
            id=new_id(),
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
        async with self._sessions() as session, session.begin():
            await self._counted(session, session_id)
            session.add(message)
        return resources.CHAT_MESSAGE.name(
            bot.organization_id, bot.workspace_id, bot.id, session_id, message.id
        )
