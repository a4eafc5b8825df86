"""Retrieval for KnowledgeService.SearchKnowledgeBase and for chat: vector, keyword or hybrid
ranking (search.py) over a tenant's knowledge bases, with each knowledge base's defaults
under a request's overrides; the ranked chunks come back with their text and citation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from privexbot.kernel import tasks
from privexbot.kernel.resources import Scope
from privexbot.knowledge import search
from privexbot.knowledge.collection import MAX_TOP_K
from privexbot.knowledge.knowledge_bases import DEFAULT_RETRIEVAL
from privexbot.knowledge.knowledge_bases import get_row as get_knowledge_base
from privexbot.knowledge.vectors import VectorStore
from privexbot.store.models import Chunk, Document, KnowledgeBase


@dataclass(frozen=True)
class Retrieval:
    top_k: int
    score_threshold: float
    mode: str  # vector | keyword | hybrid


class Retriever:
    def __init__(self, sessions, vectors: VectorStore, embed) -> None:
        """``embed``: texts -> embeddings (the enclave's)."""
        self._sessions, self._vectors, self._embed = sessions, vectors, embed

    @staticmethod
    def retrieval(kb: KnowledgeBase, override: dict) -> Retrieval:
        merged = {**DEFAULT_RETRIEVAL, **kb.retrieval, **override}
        return Retrieval(int(merged["top_k"]), float(merged["score_threshold"]), merged["mode"])

    async def search(
        self,
        scope: Scope,
        kb_id: str,
        query: str,
        override: dict,
        documents: list[str],
        labels: dict[str, str],
    ) -> list[search.Result]:
        async with self._sessions() as session:
            kb = await get_knowledge_base(session, scope, kb_id)
            document_ids = None
            if documents or labels:
                rows = (
                    await session.execute(
                        select(Document.id, Document.labels).where(
                            Document.knowledge_base_id == kb_id
                        )
                    )
                ).all()
                wanted = set(documents) if documents else None
                document_ids = [
                    d
                    for d, doc_labels in rows
                    if (wanted is None or d in wanted)
                    and all(doc_labels.get(k) == v for k, v in labels.items())
                ]
                if not document_ids:
                    return []
        return await self._ranked(scope, [kb_id], query, self.retrieval(kb, override), document_ids)

    async def retrieve(
        self, scope: Scope, kb_ids: list[str], query: str, override: dict, embedding=None
    ) -> list[search.Result]:
        """Search several knowledge bases of ``scope`` at once (a chatbot's): the first one's
        retrieval defaults under ``override``. Ids no longer in the workspace are skipped.
        The query is embedded while the knowledge bases are read (a chatbot's question waits
        for both); ``embedding``: the query's embedding (a list of one), already under way."""
        embedding = embedding or asyncio.ensure_future(self._embed([query]))
        try:
            return await self._retrieve(scope, kb_ids, query, override, embedding)
        finally:
            tasks.discard(embedding)  # not needed after all: keyword mode, nothing to search

    async def _retrieve(
        self, scope: Scope, kb_ids: list[str], query: str, override: dict, embedding
    ) -> list[search.Result]:
        async with self._sessions() as session:
            kbs = {
                kb.id: kb
                for kb in await session.scalars(
                    select(KnowledgeBase).where(
                        KnowledgeBase.id.in_(kb_ids),
                        KnowledgeBase.organization_id == scope.organization_id,
                        KnowledgeBase.workspace_id == scope.workspace_id,
                    )
                )
            }
        present = [k for k in kb_ids if k in kbs]
        if not present:
            return []
        settings = self.retrieval(kbs[present[0]], override)
        return await self._ranked(scope, present, query, settings, None, embedding)

    async def _ranked(
        self,
        scope: Scope,
        kb_ids: list[str],
        query: str,
        settings: Retrieval,
        document_ids: list[str] | None,
        embedding=None,
    ) -> list[search.Result]:
        """``embedding``: the query's embedding already under way, if any."""
        where = {
            "organization_id": scope.organization_id,
            "workspace_id": scope.workspace_id,
            "knowledge_base_ids": kb_ids,
            "top_k": settings.top_k,
            "document_ids": document_ids,
        }
        if settings.mode == "keyword":
            hits = await self._vectors.keyword_search(text=query, **where)
        else:
            (vector,) = await (embedding or self._embed([query]))
            if settings.mode == "hybrid":
                pool = min(MAX_TOP_K, settings.top_k * search.HYBRID_POOL)
                hits = await self._vectors.hybrid_search(
                    text=query, vector=vector, pool=pool, **where
                )
            else:
                hits = await self._vectors.search(vector=vector, **where)
        ranked = search.ranked(hits, relative=settings.mode != "vector")
        ranked = [r for r in ranked[: settings.top_k] if r[2] >= settings.score_threshold]
        return await self._results(ranked)

    async def _results(self, ranked: list[tuple[str, int, float]]) -> list[search.Result]:
        """The chunks and documents behind ranked (document, index) pairs, in one query; a
        vector whose document is gone or not ready (a delete in flight) is skipped, never
        shown."""
        if not ranked:
            return []
        wanted = {(d, i) for d, i, _ in ranked}
        async with self._sessions() as session:
            rows = (
                await session.execute(
                    select(Chunk, Document)
                    .join(Document, Document.id == Chunk.document_id)
                    .where(
                        Document.state == "ready",
                        or_(*(and_(Chunk.document_id == d, Chunk.index == i) for d, i in wanted)),
                    )
                )
            ).all()
        found = {(chunk.document_id, chunk.index): (chunk, doc) for chunk, doc in rows}
        return [
            search.Result(found[(d, i)][0].text, score, search.citation_of(*found[(d, i)]))
            for d, i, score in ranked
            if (d, i) in found
        ]
