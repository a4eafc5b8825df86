"""Grounded chat: retrieve from the chatbot's knowledge bases, build the prompt, stream the
reply from the inference gateway (the enclave), and store both messages.

One exchange, in order: retrieval, the upstream stream is opened (a failure so far is a
clean status and leaves nothing stored), the question is stored and ``SessionStarted``
sent, then the reply's deltas, then citations, usage and the attestation verdict, then
``Done`` once the reply is stored. A cancelled or failed generation still stores what was
produced, marked incomplete (the store runs shielded, so a second cancel cannot stop it).
Draft test chats run the same exchange with their sessions in the ephemeral store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from privexbot.bots import analytics, prompt
from privexbot.bots import config as bot_config
from privexbot.bots.chatbots import Chatbots
from privexbot.bots.drafts import Drafts, test_session_key
from privexbot.identity.ratelimit import Limit, RateLimiter
from privexbot.inference import gateway
from privexbot.inference.attestation import Verdict
from privexbot.kernel import emails, pagination, resources, tasks
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    not_found,
)
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.knowledge.service import document_name
from privexbot.store.models import (
    Chatbot,
    ChatMessage,
    ChatSession,
)
from privexbot.tenancy.usage import ensure_message_quota


@dataclass(frozen=True)
class SessionStarted:
    session: str


@dataclass(frozen=True)
class Cited:
    citations: list[dict]


@dataclass(frozen=True)
class Done:
    finish_reason: str
    message: str  # the stored assistant message; empty for draft test chats
    incomplete: bool


Event = SessionStarted | gateway.Delta | Cited | gateway.Usage | gateway.Attested | Done


@dataclass
class Reply:
    """What one exchange produced so far; stored whole or in part."""

    retrieval: dict | None = None
    citations: list[dict] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    usage: gateway.Usage | None = None
    verdict: Verdict | None = None
    finish: str = "error"
    complete: bool = False

    @property
    def text(self) -> str:
        return "".join(self.parts)


class _Ready:
    """Marks the point where retrieval is done and the upstream stream is open."""


def citation_record(result) -> dict:
    chunk, doc = result.chunk, result.document
    return {
        "document": document_name(doc),
        "document_display_name": doc.display_name,
        "chunk_index": chunk.index,
        "page": chunk.page or 0,
        "heading_path": list(chunk.heading_path),
        "start_offset": chunk.start_offset,
        "end_offset": chunk.end_offset,
        "score": result.score,
    }


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


def session_name(row: ChatSession) -> str:
    return (
        f"{resources.WORKSPACE.name(row.organization_id, row.workspace_id)}/chatbots/"
        f"{row.chatbot_id}/sessions/{row.id}"
    )


def message_name(session: ChatSession, message: ChatMessage) -> str:
    return f"{session_name(session)}/messages/{message.id}"


async def _named_session(session, org: str, ws: str, bot_id: str, session_id: str):
    """The session these name parts point at, or None: its own row must say it belongs to
    that organization, workspace and chatbot (the name alone proves nothing)."""
    row = await session.get(ChatSession, session_id)
    if row is None or (org, ws, bot_id) != (row.organization_id, row.workspace_id, row.chatbot_id):
        return None
    return row


def _ensure_own(row: ChatSession, visitor: str, name: str) -> None:
    """Sessions are their visitor's: a widget visitor cannot see anyone else's (NOT_FOUND);
    a member, who may read every session, still cannot speak or rate in another's."""
    if row.visitor_id == visitor:
        return
    if current().principal.is_publishable_key:
        raise not_found(name)
    raise PermissionDenied(
        "NOT_YOUR_SESSION", "only the session's own visitor can continue or rate it"
    )


class Conversations:
    def __init__(
        self, sessions, store, settings, knowledge, inference, drafts: Drafts, chatbots: Chatbots
    ) -> None:
        self._sessions, self._knowledge, self._inference = sessions, knowledge, inference
        self._drafts, self._chatbots, self._store = drafts, chatbots, store
        self._limits = RateLimiter(store)
        self._per_key = Limit("chat-key", settings.publishable_key_chats_per_minute, 60)
        self._per_visitor = Limit("chat-visitor", settings.visitor_chats_per_minute, 60)

    # ---- the exchange ---------------------------------------------------------------------

    async def _retrieve(
        self, scope: Scope, config: dict, question: str, embedding=None
    ) -> list | None:
        """What the chatbot's knowledge bases hold on ``question``; None without any.
        ``embedding``: the question's, already under way."""
        if not config["knowledge_bases"]:
            return None
        return await self._knowledge.retrieve(
            scope, config["knowledge_bases"], question, config["retrieval"], embedding
        )

    async def _answer(
        self,
        scope: Scope,
        config: dict,
        history: list[gateway.Message],
        question: str,
        retrieval: Awaitable[list | None],
        reply: Reply,
    ) -> AsyncIterator:
        sources = []
        results = await retrieval
        if results is not None:
            relevant = [r for r in results if r.score >= prompt.RELEVANT_SCORE]
            if config["grounding_mode"] == "strict":  # weak matches are no grounds to answer
                results = relevant
            reply.retrieval = {
                "results": len(results),
                "relevant": len(relevant),
                "best_score": max((r.score for r in results), default=0.0),
            }
            reply.citations = [citation_record(r) for r in results]
            sources = [prompt.Source(r.document.display_name, r.chunk.text) for r in results]
            if not results and config["grounding_mode"] == "strict":
                yield _Ready()
                reply.parts.append(prompt.STRICT_REFUSAL)
                reply.finish = "stop"
                yield gateway.Delta(prompt.STRICT_REFUSAL)
                return
        params = gateway.Params(
            model=config["model"],
            temperature=config["temperature"],
            max_tokens=config["max_tokens"] or bot_config.DEFAULT_MAX_TOKENS,
        )
        messages = prompt.build(config, history, question, sources)
        async for event in self._inference.stream_chat(
            scope.organization_id, scope.workspace_id, messages, params
        ):
            match event:
                case gateway.Attested(verdict=verdict):
                    reply.verdict = verdict
                    yield _Ready()
                case gateway.Delta(text=text):
                    reply.parts.append(text)
                    yield event
                case gateway.Usage():
                    reply.usage = event
                case gateway.Finish(reason=reason):
                    reply.finish = reason
                    if reply.citations:
                        yield Cited(reply.citations)
                    if reply.usage is not None:
                        yield reply.usage
                    yield gateway.Attested(reply.verdict)

    async def _converse(
        self,
        scope: Scope,
        config: dict,
        history: list[gateway.Message],
        question: str,
        retrieval: Awaitable[list | None],
        begin: Callable[[Reply], Awaitable[str]],
        finish: Callable[[Reply], Awaitable[str]],
    ) -> AsyncIterator[Event]:
        """One exchange; ``begin`` stores the question (returns the session name), ``finish``
        stores the reply, whole or partial (returns the message name)."""
        reply, started = Reply(), False
        try:
            async with contextlib.aclosing(
                self._answer(scope, config, history, question, retrieval, reply)
            ) as events:
                await anext(events)  # retrieval done, upstream open: nothing stored before
                session = await begin(reply)
                started = True
                yield SessionStarted(session)
                async for event in events:
                    yield event
                reply.complete = True
        except (GeneratorExit, asyncio.CancelledError):
            reply.finish = "cancelled"
            raise
        finally:  # after the upstream is closed (generation stopped), not before
            if started:
                message = await tasks.settled(finish(reply))
        yield Done(reply.finish, message, not reply.complete)

    # ---- Chat -----------------------------------------------------------------------------

    async def _published(self, scope: Scope, bot_id: str) -> tuple[Chatbot, dict]:
        view = await self._chatbots.get(scope, bot_id)
        if view.published_config is None:
            raise FailedPrecondition("NOT_PUBLISHED", "publish the chatbot before chatting")
        return view.bot, bot_config.normalized(view.published_config, "config")

    async def _count_widget_chat(self, bot_id: str, visitor_id: str) -> None:
        """A widget's chat counts against its key's and its visitor's rate limits."""
        if not visitor_id:
            raise InvalidArgument.field("visitor_id", "is required with a publishable key")
        await self._limits.hit(self._per_key, bot_id)
        await self._limits.hit(self._per_visitor, f"{bot_id}:{visitor_id}")

    @staticmethod
    def _visitor(config: dict, visitor_id: str, origin: str) -> str:
        """Who is chatting: the widget's visitor (publishable key: origin checked) or the
        signed-in member / API key."""
        principal = current().principal
        if not principal.is_publishable_key:
            return principal.resource_name
        if not bot_config.origin_allowed(config, origin):
            raise PermissionDenied(
                "ORIGIN_NOT_ALLOWED",
                f"origin {origin or '(none)'} is not among the chatbot's allowed origins",
                {"origin": origin},
            )
        return visitor_id

    async def _session(
        self, session, scope: Scope, bot_id: str, name: str, visitor: str
    ) -> ChatSession:
        org, ws, bot, session_id = resources.CHAT_SESSION.parse(name, "session")
        row = await _named_session(session, org, ws, bot, session_id)
        if row is None or (org, ws, bot) != (scope.organization_id, scope.workspace_id, bot_id):
            raise not_found(name)
        _ensure_own(row, visitor, name)
        return row

    @staticmethod
    def _lead(config: dict, given: dict | None, existing: dict | None) -> dict | None:
        """The contact details to keep: only when lead capture is on and, if the chatbot asks
        for consent, only with it. Before-chat capture refuses a widget's first message
        without them (or without the consent they need)."""
        capture = config["lead_capture"]
        if capture["mode"] == "off":
            return existing
        lead = None
        if given and given.get("email"):
            given = {**given, "email": emails.normalize(given["email"], "lead.email")}
            consented = given.get("consent") or not capture["require_consent"]
            lead = given if consented else None
        required = (
            existing is None
            and capture["mode"] == "before_chat"
            and current().principal.is_publishable_key
        )
        if required and lead is None:
            reason = "CONSENT_REQUIRED" if given and given.get("email") else "LEAD_REQUIRED"
            raise FailedPrecondition(
                reason,
                "this chatbot asks for contact details"
                + (", with consent," if capture["require_consent"] else "")
                + " before the first message",
                {"field": "lead"},
            )
        return lead or existing

    async def chat(
        self,
        scope: Scope,
        bot_id: str,
        session_ref: str,
        question: str,
        visitor_id: str,
        lead: dict | None,
        origin: str,
    ) -> AsyncIterator[Event]:
        if current().principal.is_publishable_key:
            await self._count_widget_chat(bot_id, visitor_id)
        # The question's embedding (most of retrieval's time, in the enclave) starts now,
        # beside the chatbot's lookup, and retrieval goes on while the quota and the session
        # are read. A widget's rate limits are counted first: a refused call costs the enclave
        # nothing. A chatbot without knowledge bases leaves the embedding unused.
        embedding = asyncio.ensure_future(self._inference.embed([question]))
        retrieval = None
        try:
            bot, config = await self._published(scope, bot_id)
            visitor = self._visitor(config, visitor_id, origin)
            retrieval = asyncio.ensure_future(self._retrieve(scope, config, question, embedding))
            async for event in self._chat(
                scope, bot, config, session_ref, question, visitor, lead, retrieval
            ):
                yield event
        finally:  # never awaited when chat was refused before generation
            tasks.discard(embedding)
            if retrieval is not None:
                tasks.discard(retrieval)

    async def _chat(
        self,
        scope: Scope,
        bot: Chatbot,
        config: dict,
        session_ref: str,
        question: str,
        visitor: str,
        lead: dict | None,
        retrieval: asyncio.Future,
    ) -> AsyncIterator[Event]:
        bot_id = bot.id
        history: list[gateway.Message] = []
        async with self._sessions() as session:
            await ensure_message_quota(session, scope.organization_id)
            existing = (
                await self._session(session, scope, bot_id, session_ref, visitor)
                if session_ref
                else None
            )
            window = bot_config.memory_window(config)
            if existing is not None and window:
                rows = (
                    await session.execute(
                        select(ChatMessage.role, ChatMessage.content)
                        .where(ChatMessage.session_id == existing.id)
                        .order_by(ChatMessage.id.desc())
                        .limit(window)
                    )
                ).all()
                history = [gateway.Message(role, content) for role, content in reversed(rows)]
        kept_lead = self._lead(config, lead, existing.lead if existing else None)
        session_id = existing.id if existing else new_id()
        version = bot.published_version

        async def begin(reply: Reply) -> str:
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
                row.lead = kept_lead
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
                        chatbot_version=version,
                    )
                )
                return session_name(row)

        async def finish(reply: Reply) -> str:
            async with self._sessions() as session, session.begin():
                row = await session.get(ChatSession, session_id)
                row.message_count += 1
                row.updated_at = datetime.now(UTC)
                usage = reply.usage or gateway.Usage(0, 0)
                message = ChatMessage(
                    session_id=session_id,
                    chatbot_id=bot.id,
                    organization_id=bot.organization_id,
                    role="assistant",
                    content=reply.text,
                    citations=reply.citations,
                    prompt_tokens=usage.prompt_tokens,
                    completion_tokens=usage.completion_tokens,
                    finish_reason=reply.finish,
                    incomplete=not reply.complete,
                    attestation=verdict_record(reply.verdict),
                    chatbot_version=version,
                )
                session.add(message)
                await session.flush()
                return message_name(row, message)

        async for event in self._converse(
            scope, config, history, question, retrieval, begin, finish
        ):
            yield event

    async def test_draft(
        self, scope: Scope, draft_id: str, session_ref: str, question: str
    ) -> AsyncIterator[Event]:
        """Chat with a draft; its test sessions live (and vanish) with the draft."""
        draft = await self._drafts.get(scope, draft_id)
        if session_ref:
            org, ws, ref_draft, session_id = resources.DRAFT_CHAT_SESSION.parse(
                session_ref, "session"
            )
            if (org, ws, ref_draft) != (scope.organization_id, scope.workspace_id, draft_id):
                raise not_found(session_ref)
            raw = await self._store.get(test_session_key(scope, draft_id, session_id))
            if raw is None:
                raise not_found(session_ref)
            turns = json.loads(raw)
        else:
            session_id, turns = new_id(), []
        config = bot_config.normalized(draft.config, "config")
        window = bot_config.memory_window(config)
        history = (
            [gateway.Message(t["role"], t["content"]) for t in turns[-window:]] if window else []
        )
        key = test_session_key(scope, draft_id, session_id)

        async def begin(reply: Reply) -> str:
            return f"{draft.name}/sessions/{session_id}"

        async def finish(reply: Reply) -> str:
            turns.extend(
                [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": reply.text},
                ]
            )
            await self._store.set(key, json.dumps(turns), self._drafts.ttl)
            return ""

        retrieval = self._retrieve(scope, config, question)
        async for event in self._converse(
            scope, config, history, question, retrieval, begin, finish
        ):
            yield event

    # ---- sessions and feedback ------------------------------------------------------------

    async def list_sessions(
        self, scope: Scope, bot_id: str, size: int, token: str
    ) -> tuple[list[ChatSession], str]:
        """Most recently active first; the token holds the last row's (time, id)."""
        await self._chatbots.get(scope, bot_id)  # NOT_FOUND unless it is in the scope
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
        return pagination.page(rows, size, lambda r: f"{r.updated_at.isoformat()}|{r.id}", query_id)

    async def get_session(
        self, scope: Scope, name: str, size: int, token: str
    ) -> tuple[ChatSession, list[ChatMessage], str]:
        org, ws, bot_id, session_id = resources.CHAT_SESSION.parse(name)
        async with self._sessions() as session:
            row = await _named_session(session, org, ws, bot_id, session_id)
            if row is None:
                raise not_found(name)
            query_id = ("chat_messages", session_id)
            query = select(ChatMessage).where(ChatMessage.session_id == session_id)
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
        return row, page, next_token

    async def analytics(
        self, scope: Scope, bot_id: str, start: datetime, end: datetime
    ) -> analytics.Analytics:
        return await analytics.compute(self._sessions, self._chatbots, scope, bot_id, start, end)

    async def submit_feedback(
        self, scope: Scope, name: str, rating: str, comment: str, visitor_id: str
    ) -> tuple[ChatSession, ChatMessage]:
        """Rate an assistant message of one's own session; a second rating replaces it."""
        org, ws, bot_id, session_id, message_id = resources.CHAT_MESSAGE.parse(name)
        principal = current().principal
        visitor = visitor_id if principal.is_publishable_key else principal.resource_name
        async with self._sessions() as session, session.begin():
            row = await _named_session(session, org, ws, bot_id, session_id)
            message = await session.get(ChatMessage, message_id)
            if row is None or message is None or message.session_id != row.id:
                raise not_found(name)
            _ensure_own(row, visitor, name)
            if message.role != "assistant":
                raise InvalidArgument.field("name", "must name an assistant message")
            message.feedback_rating, message.feedback_comment = rating, comment
            message.feedback_at = datetime.now(UTC)
        return row, message
