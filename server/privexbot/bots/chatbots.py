"""Chatbots: finalized from drafts, edited, published as immutable versions (listed, rolled
back to), deleted (``bots.published`` holds what chatflows share).

Chat always uses the published version; UpdateChatbot edits the working configuration,
and PublishChatbot freezes it as the next version; RollbackChatbot publishes a copy of an
older version as the next one (and makes it the working configuration too).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete

from privexbot.bots import config as bot_config
from privexbot.bots.drafts import Draft, Drafts
from privexbot.bots.published import DeployedView, Published
from privexbot.kernel import resources
from privexbot.kernel.errors import not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag
from privexbot.store.chat_models import Lead
from privexbot.store.models import Chatbot, ChatbotVersion


@dataclass(frozen=True)
class ChatbotView(DeployedView, pattern=resources.CHATBOT):
    config: dict  # the working configuration (UpdateChatbot edits it)
    published_config: dict | None  # the configuration chat uses


class Chatbots(Published):
    model, version_model, content = Chatbot, ChatbotVersion, "config"
    pattern, kind, view = resources.CHATBOT, "chatbot", ChatbotView
    updatable = {"config"}  # the mask's paths (config.<field>) are bot_config's to check

    def __init__(self, sessions, drafts: Drafts, references: bot_config.References) -> None:
        super().__init__(sessions, drafts)
        self._references = references

    async def _check_draft(self, scope: Scope, draft: Draft) -> None:
        bot_config.ensure_complete(draft.config)
        await self._references.check(scope, draft.config, "config")

    def _check_publishable(self, row: Chatbot) -> None:
        bot_config.ensure_complete(row.config)

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
            self._methods.update(
                session, bot, {"config": config}, ["config"], given_etag, audited=paths
            )
        return self._view(bot, published)

    async def rollback(
        self, scope: Scope, bot_id: str, number: int, given_etag: str
    ) -> ChatbotView:
        """A copy of version ``number`` published as the next version, and the working
        configuration set to it (a chatbot's history only grows)."""
        async with self._sessions() as session, session.begin():
            bot, _ = await self._row(session, scope, bot_id)
            check_etag(given_etag, bot)
            older = await session.get(ChatbotVersion, (bot.id, number))
            if older is None:
                raise not_found(f"{resources.CHATBOT.name_of(bot)}/versions/{number}")
            bot.config = older.config
            await self._publish(session, bot, "rollback", {"from": str(number)})
        return self._view(bot, bot.config)

    async def delete(
        self, scope: Scope, bot_id: str, given_etag: str, keep_leads: bool = False
    ) -> None:
        """The chatbot with its versions, sessions and publishable key; its leads too unless
        ``keep_leads`` (they stay listed, under their old names)."""
        async with self._sessions() as session, session.begin():
            bot, _ = await self._row(session, scope, bot_id)
            check_etag(given_etag, bot)  # before anything goes
            deleted = 0
            if not keep_leads:
                gone = await session.execute(
                    delete(Lead).where(
                        Lead.workspace_id == bot.workspace_id, Lead.chatbot_id == bot.id
                    )
                )
                deleted = gone.rowcount
            details = {"leads": "kept" if keep_leads else f"{deleted} deleted"}
            await self._methods.delete(session, bot, given_etag, details=details)
