"""Publishable keys: what a website widget sends to chat with one chatbot.

A key reads ``pxbpk_<prefix>_<secret>`` (minted by bots/widget.py). It sits in public web pages, so it grants almost
nothing: Chat and SubmitFeedback of its one chatbot (RPCs that declare
``publishable_key: true``), from the chatbot's allowed origins, rate limited per key and
per visitor. Still only its SHA-256 is stored, and rotating it revokes the old one at once.
"""

from __future__ import annotations

from sqlalchemy import select

from privexbot.kernel import resources
from privexbot.kernel.errors import Unauthenticated
from privexbot.kernel.ids import PUBLISHABLE_KEY_SCHEME, hash_secret, same_secret, split_key
from privexbot.kernel.principal import Principal
from privexbot.store.flow_models import Chatflow
from privexbot.store.models import Chatbot

PERMISSIONS = frozenset({"chatbot.chat"})
# A chatflow's key: ExecuteChatflow and SubmitChatflowFeedback of that chatflow.
FLOW_PERMISSIONS = frozenset({"chatflow.execute"})


class PublishableKeys:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def authenticate(self, key: str) -> Principal:
        prefix, secret = split_key(key, PUBLISHABLE_KEY_SCHEME)
        if not secret:
            raise _invalid()
        async with self._sessions() as session:
            bot = (
                await session.execute(
                    select(
                        Chatbot.id,
                        Chatbot.organization_id,
                        Chatbot.workspace_id,
                        Chatbot.publishable_key_hash,
                    ).where(Chatbot.publishable_key_prefix == prefix)
                )
            ).first()
            if bot is None:
                return await self._chatflow(session, prefix, secret)
        if not same_secret(bot.publishable_key_hash, hash_secret(secret)):
            raise _invalid()
        return Principal(
            "publishable_key",
            bot.id,
            organization_id=bot.organization_id,
            workspace_id=bot.workspace_id,
            permissions=PERMISSIONS,
        )

    @staticmethod
    async def _chatflow(session, prefix: str, secret: str) -> Principal:
        flow = (
            await session.execute(
                select(
                    Chatflow.id,
                    Chatflow.organization_id,
                    Chatflow.workspace_id,
                    Chatflow.publishable_key_hash,
                ).where(Chatflow.publishable_key_prefix == prefix)
            )
        ).first()
        if flow is None or not same_secret(flow.publishable_key_hash, hash_secret(secret)):
            raise _invalid()
        return Principal(
            "publishable_key",
            flow.id,
            organization_id=flow.organization_id,
            workspace_id=flow.workspace_id,
            permissions=FLOW_PERMISSIONS,
            resource=resources.CHATFLOW.name(flow.organization_id, flow.workspace_id, flow.id),
        )


def _invalid() -> Unauthenticated:
    return Unauthenticated("PUBLISHABLE_KEY_INVALID", "the publishable key is not valid")
