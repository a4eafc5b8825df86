"""Chatbots: finalized from drafts, edited, published as immutable versions, deleted.

Chat always uses the published version; UpdateChatbot edits the working configuration,
and PublishChatbot freezes it as the next version; RollbackChatbot publishes a copy of an
older version as the next one. Every query is filtered by the scope
authorization resolved, so a chatbot of another tenant is NOT_FOUND like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from privexbot.bots import config as bot_config
from privexbot.bots.drafts import Drafts
from privexbot.bots.widget import new_publishable_key
from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.store import audit, idempotency
from privexbot.store.models import Chatbot, ChatbotVersion
from privexbot.tenancy import plans


@dataclass(frozen=True)
class ChatbotView(InWorkspace, pattern=resources.CHATBOT):
    config: dict  # the working configuration (UpdateChatbot edits it)
    published_version: int
    # The configuration chat uses (the published version's); None before any publish.
    published_config: dict | None
    published_at: datetime | None
    publishable_key_prefix: str
    creator_id: str
    created_at: datetime
    updated_at: datetime
    etag: str


@dataclass(frozen=True)
class VersionView:
    name: str
    number: int
    config: dict
    publisher_id: str
    created_at: datetime


def _view(bot: Chatbot, published_config: dict | None) -> ChatbotView:
    return from_row(
        ChatbotView,
        bot,
        published_config=published_config,
        publishable_key_prefix=bot.publishable_key_prefix or "",
        creator_id=bot.creator_id or "",
        etag=standard.etag(bot),
    )


def _ids(bot: Chatbot) -> tuple[str, str, str]:
    return bot.organization_id, bot.workspace_id, bot.id


class Chatbots:
    def __init__(self, sessions, drafts: Drafts, references: bot_config.References) -> None:
        self._sessions, self._drafts, self._references = sessions, drafts, references

    # ---- reading --------------------------------------------------------------------------

    @staticmethod
    def _query(scope: Scope):
        return (
            select(Chatbot, ChatbotVersion.config)
            .outerjoin(
                ChatbotVersion,
                and_(
                    ChatbotVersion.chatbot_id == Chatbot.id,
                    ChatbotVersion.number == Chatbot.published_version,
                ),
            )
            .where(
                Chatbot.organization_id == scope.organization_id,
                Chatbot.workspace_id == scope.workspace_id,
            )
        )

    async def _row(self, session, scope: Scope, bot_id: str) -> tuple[Chatbot, dict | None]:
        """The chatbot and its published configuration (None before any publish)."""
        row = (await session.execute(self._query(scope).where(Chatbot.id == bot_id))).first()
        if row is None:
            raise not_found(
                resources.CHATBOT.name(scope.organization_id, scope.workspace_id, bot_id)
            )
        return row[0], row[1]

    async def get(self, scope: Scope, bot_id: str) -> ChatbotView:
        async with self._sessions() as session:
            return _view(*await self._row(session, scope, bot_id))

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[ChatbotView], str]:
        query_id = ("chatbots", scope.organization_id, scope.workspace_id)
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session,
                self._query(scope),
                Chatbot.id,
                size,
                token,
                query_id,
            )
        return [_view(*row) for row in rows], next_token

    # ---- writing --------------------------------------------------------------------------

    async def finalize(
        self, scope: Scope, draft_id: str, given_etag: str, request_id: str
    ) -> ChatbotView:
        """The draft as a chatbot with version 1 published, then the draft is gone. Finalizing
        the same draft again (a retry, or a race) returns the one chatbot it became."""
        # The etag is a precondition, not part of what is made: a retry may leave it out.
        request = idempotency.fingerprint(scope, draft_id)
        async with self._sessions() as session:
            earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is not None:
                return earlier
        draft = await self._drafts.get(scope, draft_id)
        check_etag(given_etag, draft)
        bot_config.ensure_complete(draft.config)
        await self._references.check(scope, draft.config, "config")
        now = datetime.now(UTC)
        try:
            async with self._sessions() as session, session.begin():
                await plans.ensure_room(session, scope.organization_id, "chatbots", Chatbot)
                bot = Chatbot(
                    organization_id=scope.organization_id,
                    workspace_id=scope.workspace_id,
                    draft_id=draft_id,
                    config=draft.config,
                    published_version=1,
                    published_at=now,
                    creator_id=current().principal.id or None,
                )
                session.add(bot)
                await session.flush()
                session.add(
                    ChatbotVersion(
                        chatbot_id=bot.id,
                        number=1,
                        config=draft.config,
                        publisher_id=bot.creator_id,
                    )
                )
                idempotency.remember(session, request_id, request, resources.CHATBOT.name_of(bot))
                audit.record(
                    session,
                    "chatbot.create",
                    organization_id=bot.organization_id,
                    resource=resources.CHATBOT.name_of(bot),
                    details={"draft": draft.name},
                )
        except IntegrityError:  # the same draft was finalized concurrently: that one wins
            async with self._sessions() as session:
                earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is None:
                raise
            return earlier
        await self._drafts.delete(scope, draft_id)
        return _view(bot, draft.config)

    async def _from_draft(
        self, session, scope: Scope, draft_id: str, request_id: str, request: str
    ) -> ChatbotView | None:
        """The chatbot this request id, or else this draft, already became (a request id
        reused for another request is refused first)."""
        earlier = await idempotency.recall(session, request_id, request)
        bot_id = earlier.rsplit("/", 1)[1] if earlier else None
        if bot_id is None:
            bot_id = (
                await session.execute(
                    select(Chatbot.id).where(
                        Chatbot.draft_id == draft_id,
                        Chatbot.organization_id == scope.organization_id,
                        Chatbot.workspace_id == scope.workspace_id,
                    )
                )
            ).scalar()
        return None if bot_id is None else _view(*await self._row(session, scope, bot_id))

    async def update(
        self, scope: Scope, bot_id: str, given: dict, paths: list[str], given_etag: str
    ) -> ChatbotView:
        async with self._sessions() as session:
            bot, _ = await self._row(session, scope, bot_id)
        check_etag(given_etag, bot)
        given = bot_config.from_request(given, scope, "chatbot.config")
        config = bot_config.normalized(
            bot_config.updated(bot.config, given, paths, "chatbot"), "chatbot.config"
        )
        await self._references.check(scope, config, "chatbot.config")
        async with self._sessions() as session, session.begin():
            bot, published = await self._row(session, scope, bot_id)
            # The mask's paths (config.<field>) were checked by bot_config.updated above.
            standard.update(
                session,
                bot,
                {"config": config},
                ["config"],
                given_etag,
                updatable={"config"},
                action="chatbot.update",
                pattern=resources.CHATBOT,
                audited=paths,
            )
        return _view(bot, published)

    async def publish(self, scope: Scope, bot_id: str, given_etag: str) -> ChatbotView:
        async with self._sessions() as session, session.begin():
            bot, _ = await self._row(session, scope, bot_id)
            check_etag(given_etag, bot)
            bot_config.ensure_complete(bot.config)
            self._publish(session, bot, bot.config, "chatbot.publish", {})
        return _view(bot, bot.config)

    async def rollback(
        self, scope: Scope, bot_id: str, number: int, given_etag: str
    ) -> ChatbotView:
        """A copy of version ``number`` published as the next version, and the working
        configuration set to it."""
        async with self._sessions() as session, session.begin():
            bot, _ = await self._row(session, scope, bot_id)
            check_etag(given_etag, bot)
            older = await session.get(ChatbotVersion, (bot.id, number))
            if older is None:
                raise not_found(resources.CHATBOT_VERSION.name(*_ids(bot), str(number)))
            bot.config = older.config
            self._publish(session, bot, older.config, "chatbot.rollback", {"from": str(number)})
        return _view(bot, bot.config)

    @staticmethod
    def _publish(session, bot: Chatbot, config: dict, action: str, details: dict) -> None:
        """``config`` as the chatbot's next version, which chat uses from now on."""
        now = datetime.now(UTC)
        number = bot.published_version + 1
        session.add(
            ChatbotVersion(
                chatbot_id=bot.id,
                number=number,
                config=config,
                publisher_id=current().principal.id or None,
            )
        )
        bot.published_version, bot.published_at = number, now
        bot.version, bot.updated_at = bot.version + 1, now
        audit.record(
            session,
            action,
            organization_id=bot.organization_id,
            resource=resources.CHATBOT.name_of(bot),
            details={"version": str(number), **details},
        )

    async def versions(
        self, scope: Scope, bot_id: str, size: int, token: str
    ) -> tuple[list[VersionView], str]:
        """Newest first."""
        async with self._sessions() as session:
            bot, _ = await self._row(session, scope, bot_id)
            query = select(ChatbotVersion).where(ChatbotVersion.chatbot_id == bot_id)
            page, next_token = await standard.newest_first(
                session, query, ChatbotVersion.number, size, token, ("chatbot_versions", bot_id)
            )
        return [
            VersionView(
                resources.CHATBOT_VERSION.name(*_ids(bot), str(v.number)),
                v.number,
                v.config,
                v.publisher_id or "",
                v.created_at,
            )
            for v in page
        ], next_token

    async def rotate_publishable_key(self, scope: Scope, bot_id: str) -> tuple[ChatbotView, str]:
        """A new key (returned once); the previous one stops working at once."""
        key, prefix, secret_hash = new_publishable_key()
        async with self._sessions() as session, session.begin():
            bot, published = await self._row(session, scope, bot_id)
            bot.publishable_key_prefix, bot.publishable_key_hash = prefix, secret_hash
            bot.version, bot.updated_at = bot.version + 1, datetime.now(UTC)
            audit.record(
                session,
                "chatbot.rotate_publishable_key",
                organization_id=bot.organization_id,
                resource=resources.CHATBOT.name_of(bot),
            )
        return _view(bot, published), key

    async def delete(self, scope: Scope, bot_id: str, given_etag: str) -> None:
        """The chatbot with its versions, sessions, messages and publishable key."""
        async with self._sessions() as session, session.begin():
            bot, _ = await self._row(session, scope, bot_id)
            await standard.delete(session, bot, given_etag, resources.CHATBOT, "chatbot.delete")
