"""Publishable keys: what a website widget sends to chat with one chatbot or chatflow.

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
# What a key may belong to: the row, its name's pattern and what its key grants.
OWNERS = (
    (Chatbot, resources.CHATBOT, PERMISSIONS),
    (Chatflow, resources.CHATFLOW, FLOW_PERMISSIONS),
)


class PublishableKeys:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def authenticate(self, key: str) -> Principal:
        prefix, secret = split_key(key, PUBLISHABLE_KEY_SCHEME)
        if not secret:
            raise _invalid()
        async with self._sessions() as session:
            for model, pattern, permissions in OWNERS:
                owner = (
                    await session.execute(
                        select(
                            model.id,
                            model.organization_id,
                            model.workspace_id,
                            model.publishable_key_hash,
                        ).where(model.publishable_key_prefix == prefix)
                    )
                ).first()
                if owner is not None:
                    return _principal(owner, secret, pattern, permissions)
        raise _invalid()


def _principal(owner, secret: str, pattern, permissions: frozenset[str]) -> Principal:
    if not same_secret(owner.publishable_key_hash, hash_secret(secret)):
        raise _invalid()
    return Principal(
        "publishable_key",
        owner.id,
        organization_id=owner.organization_id,
        workspace_id=owner.workspace_id,
        permissions=permissions,
        resource=pattern.name(owner.organization_id, owner.workspace_id, owner.id),
    )


def _invalid() -> Unauthenticated:
    return Unauthenticated("PUBLISHABLE_KEY_INVALID", "the publishable key is not valid")
