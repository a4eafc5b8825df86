"""The re-index job for full-text search: chunks stored before it (dense vectors only, in the
legacy collection) are moved, a document at a time, into the collection with the analyzed
text and BM25 index, their text read back from SQL.

Resumable by construction: a moved document leaves the legacy collection, so a restarted
job carries on with what is left; the legacy collection is dropped once empty. Knowledge
bases keep working meanwhile (vectors.VectorStore reads both collections).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from privexbot.knowledge.vectors import VectorStore
from privexbot.store.models import Chunk

log = logging.getLogger("privexbot.knowledge.reindex")

DOCUMENTS_PER_ROUND = 100


@dataclass
class Progress:
    """Chunks moved so far of those waiting when the job started."""

    total: int = 0
    moved: int = 0
    documents: int = 0
    done: bool = False


class FullTextReindex:
    def __init__(self, sessions, vectors: VectorStore) -> None:
        self._sessions, self._vectors = sessions, vectors
        self.progress = Progress()

    async def run(self) -> Progress:
        """Move every legacy document, then drop the legacy collection."""
        self.progress = Progress(total=await self._vectors.legacy_count())
        if self.progress.total:
            log.info("full-text re-index: %d chunks to move", self.progress.total)
        while batch := await self._vectors.legacy_documents(DOCUMENTS_PER_ROUND):
            for organization_id, workspace_id, knowledge_base_id, document_id in batch:
                moved = await self._vectors.move_document(
                    organization_id,
                    workspace_id,
                    knowledge_base_id,
                    document_id,
                    await self._texts(knowledge_base_id, document_id),
                )
                self.progress.moved += moved
                self.progress.documents += 1
            log.info(
                "full-text re-index: %d of %d chunks moved (%d documents)",
                self.progress.moved,
                self.progress.total,
                self.progress.documents,
            )
        self.progress.done = await self._vectors.drop_legacy()
        return self.progress

    async def _texts(self, knowledge_base_id: str, document_id: str) -> dict[int, str]:
        """A document's chunk texts by index (none: a deleted document, reconcile's job)."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Chunk.index, Chunk.text).where(
                    Chunk.knowledge_base_id == knowledge_base_id,
                    Chunk.document_id == document_id,
                )
            )
            return {index: text for index, text in rows.all()}
