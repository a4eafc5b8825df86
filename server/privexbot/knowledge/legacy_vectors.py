"""Chunks stored before full-text search, in the legacy collection (dense vectors only):
listed, counted and moved document by document into the current collection with their
text (the re-index job, reindex.py, drives it), then the empty collection dropped.

A mixin of ``VectorStore``: it uses the store's connection, collections and helpers.
"""

from __future__ import annotations

from typing import Any

from privexbot.knowledge.collection import MAX_TOP_K, UPSERT_BATCH, clipped
from privexbot.knowledge.vector_filters import SCOPE_FIELDS, scope_filter

LEGACY_COLLECTION = "privexbot_chunks"  # before full-text search: no text, no BM25


class LegacyChunks:
    # --------------------------------

    async def legacy_documents(self, limit: int) -> list[tuple[str, str, str, str]]:
        """Up to ``limit`` (organization, workspace, knowledge base, document) still in the
        legacy collection."""
        if not self.legacy:
            return []

        def run(client: Any) -> list[tuple[str, str, str, str]]:
            found: dict[tuple[str, str, str, str], None] = {}
            rows = client.query(
                self.legacy,
                filter='id != ""',
                output_fields=list(SCOPE_FIELDS),
                limit=MAX_TOP_K,
                consistency_level="Strong",
            )
            for row in rows:
                found[tuple(str(row[name]) for name in SCOPE_FIELDS)] = None
                if len(found) == limit:
                    break
            return list(found)  # type: ignore[arg-type]

        return await self._call("list legacy documents", run)

    async def legacy_count(self) -> int:
        """Chunks still in the legacy collection (0 when there is none)."""
        if not self.legacy:
            return 0
        return await self._call("count", lambda c: self._count_in(c, self.legacy, 'id != ""'))

    async def move_document(
        self,
        organization_id: str,
        workspace_id: str,
        knowledge_base_id: str,
        document_id: str,
        texts: dict[int, str],
    ) -> int:
        """Move a document's chunks from the legacy collection here with their ``texts``
        (by chunk index), in one call: copied first, then deleted from the legacy one, so a
        crash in between only repeats the copy. Returns how many chunks moved."""
        expr = scope_filter(organization_id, workspace_id, knowledge_base_id, document_id)
        fields = ["id", "vector", "chunk_index", *SCOPE_FIELDS]

        def run(client: Any) -> int:
            if not self.legacy:
                return 0
            rows = [
                {**{k: row[k] for k in fields}, "text": clipped(texts.get(row["chunk_index"], ""))}
                for row in self._rows(client, self.legacy, expr, fields)
            ]
            for start in range(0, len(rows), UPSERT_BATCH):
                client.upsert(self.collection, rows[start : start + UPSERT_BATCH])
            if rows:
                client.delete(self.legacy, filter=expr)
            return len(rows)

        return await self._call("move a document", run)

    async def drop_legacy(self) -> bool:
        """Drop the legacy collection once it is empty; True when it is gone."""

        def run(client: Any) -> bool:
            if self.legacy and self._count_in(client, self.legacy, 'id != ""') == 0:
                client.drop_collection(self.legacy)
                self.legacy = None
            return self.legacy is None

        return await self._call("drop the legacy collection", run)
