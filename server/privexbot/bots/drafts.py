"""Drafts: chatbot configurations (and, through ``DraftStore``, chatflow graphs) being put
together, kept in the ephemeral store.

A draft lives under its workspace's key prefix (``org:{org}:ws:{ws}:``), so deleting the
workspace or organization sweeps it; it expires ``ttl`` after its last update, and whatever
hangs below its key (a chatbot draft's test-chat sessions) expires and goes with it. Updates
are checked against the draft's etag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
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

# What every draft carries beside its ids and content (expires_at is computed, not kept).
_KEPT = ("creator_id", "created_at", "updated_at", "version")
_NOT_CONTENT = {"organization_id", "workspace_id", "id", "expires_at", *_KEPT}


@dataclass(frozen=True)
class DraftView(InWorkspace):
    """What every draft view holds beside its content."""

    creator_id: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    version: int

    @property
    def etag(self) -> str:
        return etag(self)


@dataclass(frozen=True)
class Draft(DraftView, pattern=resources.CHATBOT_DRAFT):
    config: dict


def draft_key(scope: Scope, draft_id: str, kind: str = "draft") -> str:
    return f"org:{scope.organization_id}:ws:{scope.workspace_id}:{kind}:{draft_id}"


def test_session_key(scope: Scope, draft_id: str, session_id: str) -> str:
    return f"{draft_key(scope, draft_id)}:session:{session_id}"


class DraftStore:
    """Drafts of one kind: ``view`` is their dataclass (an ``InWorkspace`` with the content
    fields, then creator_id, created_at, updated_at, expires_at, version); ``kind`` names
    their keys."""

    view: type
    kind: str

    def __init__(self, store: EphemeralStore, ttl_seconds: int) -> None:
        self._store, self.ttl = store, ttl_seconds
        self._content = [f.name for f in fields(self.view) if f.name not in _NOT_CONTENT]

    def _key(self, scope: Scope, draft_id: str) -> str:
        return draft_key(scope, draft_id, self.kind)

    async def _save(self, draft) -> None:
        value = {name: getattr(draft, name) for name in (*self._content, *_KEPT)}
        value["created_at"] = draft.created_at.isoformat()
        value["updated_at"] = draft.updated_at.isoformat()
        scope = Scope(draft.organization_id, draft.workspace_id)
        await self._store.set(self._key(scope, draft.id), json.dumps(value), self.ttl)

    async def _create(self, scope: Scope, content: dict, request_id: str):
        """A new draft holding ``content``; a retry with the same ``request_id`` returns the
        first one."""
        draft_id = new_id()
        if request_id:  # AIP-155 for a resource outside the database: remember it here
            key = f"{self.kind}-request:{idempotency.key(request_id)}"  # per caller
            request = idempotency.fingerprint(scope, content)
            remembered = json.dumps({"draft": draft_id, "request": request})
            if not await self._store.set(key, remembered, self.ttl, only_new=True):
                earlier = await self._store.get(key)
                if earlier:
                    earlier = json.loads(earlier)
                    if earlier["request"] != request:
                        raise idempotency.reused()
                    return await self.get(scope, earlier["draft"])
        now = datetime.now(UTC)
        draft = self.view(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            **content,
            creator_id=current().principal.id,
            created_at=now,
            updated_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
            version=1,
        )
        await self._save(draft)
        return draft

    async def get(self, scope: Scope, draft_id: str):
        raw = await self._store.get(self._key(scope, draft_id))
        if raw is None:
            raise not_found(
                self.view.pattern.name(scope.organization_id, scope.workspace_id, draft_id)
            )
        value = json.loads(raw)
        updated = datetime.fromisoformat(value["updated_at"])
        return self.view(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            **{name: value[name] for name in self._content},
            creator_id=value["creator_id"],
            created_at=datetime.fromisoformat(value["created_at"]),
            updated_at=updated,
            expires_at=updated + timedelta(seconds=self.ttl),
            version=value["version"],
        )

    async def _update(self, scope: Scope, draft_id: str, given_etag: str, changed):
        """The draft with ``await changed(draft)`` (content fields) applied, if the etag
        matches."""
        draft = await self.get(scope, draft_id)
        check_etag(given_etag, draft)
        changes = await changed(draft)
        now = datetime.now(UTC)
        draft = replace(
            draft,
            **changes,
            updated_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
            version=draft.version + 1,
        )
        await self._save(draft)
        return draft

    async def delete(self, scope: Scope, draft_id: str) -> None:
        """The draft and what hangs below it."""
        await self._store.delete(self._key(scope, draft_id))
        await self._store.delete_prefix(self._key(scope, draft_id) + ":")


class Drafts(DraftStore):
    view, kind = Draft, "draft"

    def __init__(
        self, store: EphemeralStore, ttl_seconds: int, references: bot_config.References
    ) -> None:
        super().__init__(store, ttl_seconds)
        self._references = references

    async def _checked(self, scope: Scope, config: dict) -> dict:
        await self._references.check(scope, config, "chatbot_draft.config")
        return config

    async def create(self, scope: Scope, config: dict, request_id: str) -> Draft:
        config = bot_config.normalized(
            bot_config.from_request(config, scope, "chatbot_draft.config"),
            "chatbot_draft.config",
        )
        await self._checked(scope, config)
        return await self._create(scope, {"config": config}, request_id)

    async def update(
        self, scope: Scope, draft_id: str, given: dict, paths: list[str], given_etag: str
    ) -> Draft:
        async def changed(draft: Draft) -> dict:
            fields_given = bot_config.from_request(given, scope, "chatbot_draft.config")
            config = bot_config.normalized(
                bot_config.updated(draft.config, fields_given, paths, "chatbot_draft"),
                "chatbot_draft.config",
            )
            return {"config": await self._checked(scope, config)}

        return await self._update(scope, draft_id, given_etag, changed)
