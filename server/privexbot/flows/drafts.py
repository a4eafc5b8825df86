"""Chatflow drafts: graphs being built, kept like chatbot drafts (``bots.drafts``).

A draft may hold a graph that does not compile (ValidateChatflow lists its issues); only its
shape is checked here.
"""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.bots.drafts import DraftStore, DraftView
from privexbot.flows import graph as graphs
from privexbot.kernel import resources
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_mask

UPDATABLE = {"display_name", "description", "graph"}


@dataclass(frozen=True)
class FlowDraft(DraftView, pattern=resources.CHATFLOW_DRAFT):
    display_name: str
    description: str
    graph: dict


class FlowDrafts(DraftStore):
    view, kind = FlowDraft, "flowdraft"

    async def create(self, scope: Scope, fields: dict, request_id: str) -> FlowDraft:
        graph = graphs.from_record(fields.get("graph"), "chatflow_draft.graph").record()
        content = {
            "display_name": fields.get("display_name", ""),
            "description": fields.get("description", ""),
            "graph": graph,
        }
        return await self._create(scope, content, request_id)

    async def update(
        self, scope: Scope, draft_id: str, fields: dict, paths: list[str], given_etag: str
    ) -> FlowDraft:
        check_mask(paths, UPDATABLE)

        async def changed(_draft: FlowDraft) -> dict:
            changes = {p: fields[p] for p in paths}
            if "graph" in changes:
                changes["graph"] = graphs.from_record(
                    changes["graph"], "chatflow_draft.graph"
                ).record()
            return changes

        return await self._update(scope, draft_id, given_etag, changed)
