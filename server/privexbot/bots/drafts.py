"""Chatbot drafts: configurations being put together, kept in the ephemeral store.

A draft lives under its workspace's key prefix (``org:{org}:ws:{ws}:``), so deleting the
workspace or organization sweeps it; it expires ``ttl`` after its last update, and its
test-chat sessions expire with it. Updates are checked against the draft's etag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from privexbot.bots import config as bot_config
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag, etag
from privexbot.kernel.views import InWorkspace
from privexbot.store import idempotency
from privexbot.store.ephemeral import EphemeralStore


@dataclass(frozen=True)
class Draft(InWorkspace, pattern=resources.CHATBOT_DRAFT):
    config: dict
    creator_id: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    version: int

    @property
    def etag(self) -> str:
        return etag(self)


def draft_key(scope: Scope, draft_id: str) -> str:
    return f"org:{scope.organization_id}:ws:{scope.workspace_id}:draft:{draft_id}"


def test_session_key(scope: Scope, draft_id: str, session_id: str) -> str:
    return f"{draft_key(scope, draft_id)}:session:{session_id}"


class Drafts:
    def __init__(
        self, store: EphemeralStore, ttl_seconds: int, references: bot_config.References
    ) -> None:
        self._store, self.ttl, self._references = store, ttl_seconds, references

    async def _save(self, draft: Draft) -> None:
        value = {
            "config": draft.config,
            "creator_id": draft.creator_id,
            "created_at": draft.created_at.isoformat(),
            "updated_at": draft.updated_at.isoformat(),
            "version": draft.version,
        }
        await self._store.set(
            draft_key(Scope(draft.organization_id, draft.workspace_id), draft.id),
            json.dumps(value),
            self.ttl,
        )

    async def create(self, scope: Scope, config: dict, request_id: str) -> Draft:
        """A new draft; a retry with the same ``request_id`` returns the first one."""
        config = bot_config.normalized(
            bot_config.from_request(config, scope, "chatbot_draft.config"),
            "chatbot_draft.config",
        )
        await self._references.check(scope, config, "chatbot_draft.config")
        draft_id = new_id()
        if request_id:  # AIP-155 for a resource outside the database: remember it here
            key = f"draft-request:{idempotency.key(request_id)}"  # per caller, any workspace
            request = idempotency.fingerprint(scope, config)
            remembered = json.dumps({"draft": draft_id, "request": request})
            if not await self._store.set(key, remembered, self.ttl, only_new=True):
                earlier = await self._store.get(key)
                if earlier:
                    earlier = json.loads(earlier)
                    if earlier["request"] != request:
                        raise idempotency.reused()
                    return await self.get(scope, earlier["draft"])
        now = datetime.now(UTC)
        draft = Draft(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            config,
            current().principal.id,
            now,
            now,
            now + timedelta(seconds=self.ttl),
            1,
        )
        await self._save(draft)
        return draft

    async def get(self, scope: Scope, draft_id: str) -> Draft:
        raw = await self._store.get(draft_key(scope, draft_id))
        if raw is None:
            raise not_found(
                resources.CHATBOT_DRAFT.name(scope.organization_id, scope.workspace_id, draft_id)
            )
        value = json.loads(raw)
        updated = datetime.fromisoformat(value["updated_at"])
        return Draft(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            value["config"],
            value["creator_id"],
            datetime.fromisoformat(value["created_at"]),
            updated,
            updated + timedelta(seconds=self.ttl),
            value["version"],
        )

    async def update(
        self, scope: Scope, draft_id: str, given: dict, paths: list[str], given_etag: str
    ) -> Draft:
        draft = await self.get(scope, draft_id)
        check_etag(given_etag, draft)
        given = bot_config.from_request(given, scope, "chatbot_draft.config")
        config = bot_config.normalized(
            bot_config.updated(draft.config, given, paths, "chatbot_draft"),
            "chatbot_draft.config",
        )
        await self._references.check(scope, config, "chatbot_draft.config")
        now = datetime.now(UTC)
        draft = replace(
            draft,
            config=config,
            updated_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
            version=draft.version + 1,
        )
        await self._save(draft)
        return draft

    async def delete(self, scope: Scope, draft_id: str) -> None:
        """The draft and its test sessions."""
        await self._store.delete(draft_key(scope, draft_id))
        await self._store.delete_prefix(draft_key(scope, draft_id) + ":")
