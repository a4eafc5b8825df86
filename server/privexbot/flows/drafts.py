"""Chatflow drafts: graphs being built, kept in the ephemeral store like chatbot drafts.

A draft may hold a graph that does not compile (ValidateChatflow lists its issues); only its
shape is checked here. It lives under its workspace's key prefix (swept with the workspace),
expires ``ttl`` after its last update, and updates are checked against its etag.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from privexbot.flows import graph as graphs
from privexbot.kernel import resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import not_found
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag, check_mask, etag
from privexbot.kernel.views import InWorkspace
from privexbot.store import idempotency
from privexbot.store.ephemeral import EphemeralStore

UPDATABLE = {"display_name", "description", "graph"}


@dataclass(frozen=True)
class FlowDraft(InWorkspace, pattern=resources.CHATFLOW_DRAFT):
    display_name: str
    description: str
    graph: dict
    creator_id: str
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    version: int

    @property
    def etag(self) -> str:
        return etag(self)


def draft_key(scope: Scope, draft_id: str) -> str:
    return f"org:{scope.organization_id}:ws:{scope.workspace_id}:flowdraft:{draft_id}"


class FlowDrafts:
    def __init__(self, store: EphemeralStore, ttl_seconds: int) -> None:
        self._store, self.ttl = store, ttl_seconds

    async def _save(self, draft: FlowDraft) -> None:
        value = {
            "display_name": draft.display_name,
            "description": draft.description,
            "graph": draft.graph,
            "creator_id": draft.creator_id,
            "created_at": draft.created_at.isoformat(),
            "updated_at": draft.updated_at.isoformat(),
            "version": draft.version,
        }
        scope = Scope(draft.organization_id, draft.workspace_id)
        await self._store.set(draft_key(scope, draft.id), json.dumps(value), self.ttl)

    async def create(self, scope: Scope, fields: dict, request_id: str) -> FlowDraft:
        """A new draft; a retry with the same ``request_id`` returns the first one."""
        graph = graphs.from_record(fields.get("graph"), "chatflow_draft.graph").record()
        draft_id = new_id()
        if request_id:
            key = f"flowdraft-request:{idempotency.key(request_id)}"
            request = idempotency.fingerprint(scope, fields["display_name"], graph)
            remembered = json.dumps({"draft": draft_id, "request": request})
            if not await self._store.set(key, remembered, self.ttl, only_new=True):
                earlier = await self._store.get(key)
                if earlier:
                    earlier = json.loads(earlier)
                    if earlier["request"] != request:
                        raise idempotency.reused()
                    return await self.get(scope, earlier["draft"])
        now = datetime.now(UTC)
        draft = FlowDraft(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            fields.get("display_name", ""),
            fields.get("description", ""),
            graph,
            current().principal.id,
            now,
            now,
            now + timedelta(seconds=self.ttl),
            1,
        )
        await self._save(draft)
        return draft

    async def get(self, scope: Scope, draft_id: str) -> FlowDraft:
        raw = await self._store.get(draft_key(scope, draft_id))
        if raw is None:
            raise not_found(
                resources.CHATFLOW_DRAFT.name(scope.organization_id, scope.workspace_id, draft_id)
            )
        value = json.loads(raw)
        updated = datetime.fromisoformat(value["updated_at"])
        return FlowDraft(
            scope.organization_id,
            scope.workspace_id,
            draft_id,
            value["display_name"],
            value["description"],
            value["graph"],
            value["creator_id"],
            datetime.fromisoformat(value["created_at"]),
            updated,
            updated + timedelta(seconds=self.ttl),
            value["version"],
        )

    async def update(
        self, scope: Scope, draft_id: str, fields: dict, paths: list[str], given_etag: str
    ) -> FlowDraft:
        check_mask(paths, UPDATABLE)
        draft = await self.get(scope, draft_id)
        check_etag(given_etag, draft)
        changes = {p: fields[p] for p in paths}
        if "graph" in changes:
            changes["graph"] = graphs.from_record(changes["graph"], "chatflow_draft.graph").record()
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
        await self._store.delete(draft_key(scope, draft_id))
