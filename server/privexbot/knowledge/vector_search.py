"""Searching the chunk collection: vector (dense, cosine), keyword (BM25 over the analyzed
text, inside Milvus) and hybrid (both, fused by reciprocal rank in one ``hybrid_search``),
each under the same tenant filter (vector_filters). A mixin of ``VectorStore``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from privexbot.kernel.errors import InvalidArgument
from privexbot.knowledge.collection import MAX_TOP_K, clipped
from privexbot.knowledge.vector_filters import (
    check_id,
    check_ids,
    normalized,
    string_list,
)

RRF_K = 60  # the usual reciprocal-rank-fusion constant


@dataclass(frozen=True)
class Hit:
    """A search result, higher scores better: the cosine similarity to the query (vector),
    its BM25 score (keyword) or its reciprocal-rank-fusion score (hybrid)."""

    id: str
    document_id: str
    chunk_index: int
    score: float


def _check_top_k(top_k: object, name: str = "top_k") -> None:
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise InvalidArgument.field(name, f"must be 1..{MAX_TOP_K}")


def _query_text(text: object) -> str:
    """A full-text query: a string, whitespace-trimmed; empty finds nothing."""
    if not isinstance(text, str):
        raise InvalidArgument.field("text", "must be a string")
    return clipped(text.strip())


@contextlib.contextmanager
def _nothing_written_yet() -> Iterator[None]:
    """milvus-lite 2.5.1 fails a BM25 search in a collection no row was ever written to
    (average document length 0: "Invalid sparse row: NaN or Inf"); there is nothing to find,
    so the error is swallowed and the caller's fallback (no hits) follows."""
    try:
        yield
    except Exception as exc:
        if "Invalid sparse row: NaN or Inf" not in str(exc):
            raise


class Searches:
    async def search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        vector: list[float],
        top_k: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """The ``top_k`` chunks nearest to ``vector`` in these knowledge bases, best first.

        Only chunks of this organization and workspace, in one of ``knowledge_base_ids``
        (and of ``document_ids`` when given) can be returned. An empty list of knowledge
        bases or documents finds nothing.
        """
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        query = normalized("vector", [vector], self.dimension)[0]
        if expr is None:
            return []

        def run(client: Any) -> list[Hit]:
            hits = [
                hit
                for name in self._collections()
                for hit in self._hits(
                    client.search(
                        name,
                        data=[query],
                        anns_field="vector",
                        filter=expr,
                        limit=top_k,
                        output_fields=["document_id", "chunk_index"],
                        search_params={"metric_type": self.metric},
                        consistency_level="Strong",
                    )[0],
                    clamp=True,
                )
            ]
            return sorted(hits, key=lambda h: h.score, reverse=True)[:top_k]

        return await self._call("search", run)

    async def keyword_search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        text: str,
        top_k: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """Full-text search: the ``top_k`` chunks with the best BM25 score for ``text``
        (Milvus' analyzer and statistics), in the same scope as :meth:`search`."""
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        text = _query_text(text)
        if expr is None or not text:
            return []

        def run(client: Any) -> list[Hit]:
            with _nothing_written_yet():
                return self._hits(
                    client.search(
                        self.collection,
                        data=[text],
                        anns_field="sparse",
                        filter=expr,
                        limit=top_k,
                        output_fields=["document_id", "chunk_index"],
                        search_params={"metric_type": "BM25"},
                        consistency_level="Strong",
                    )[0]
                )
            return []

        return await self._call("search", run)

    async def hybrid_search(
        self,
        *,
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        vector: list[float],
        text: str,
        top_k: int,
        pool: int,
        document_ids: list[str] | None = None,
    ) -> list[Hit]:
        """One Milvus ``hybrid_search``: the ``pool`` best by vector and the ``pool`` best by
        BM25, fused by reciprocal rank (k = 60) into the ``top_k`` best, same scope as
        :meth:`search`. Text with no searchable word is a vector search."""
        expr = self._search_filter(organization_id, workspace_id, knowledge_base_ids, document_ids)
        _check_top_k(top_k)
        _check_top_k(pool, "pool")
        query = normalized("vector", [vector], self.dimension)[0]
        text = _query_text(text)
        if expr is None:
            return []
        if not text:
            return await self.search(
                organization_id=organization_id,
                workspace_id=workspace_id,
                knowledge_base_ids=knowledge_base_ids,
                vector=vector,
                top_k=top_k,
                document_ids=document_ids,
            )

        def run(client: Any) -> list[Hit]:
            from pymilvus import AnnSearchRequest, RRFRanker

            requests = [
                AnnSearchRequest(
                    data=[query],
                    anns_field="vector",
                    param={"metric_type": self.metric},
                    limit=pool,
                    expr=expr,
                ),
                AnnSearchRequest(
                    data=[text],
                    anns_field="sparse",
                    param={"metric_type": "BM25"},
                    limit=pool,
                    expr=expr,
                ),
            ]
            with _nothing_written_yet():
                result = client.hybrid_search(
                    self.collection,
                    requests,
                    RRFRanker(RRF_K),
                    limit=top_k,
                    output_fields=["document_id", "chunk_index"],
                    consistency_level="Strong",
                )
                return self._hits(result[0])
            return []

        return await self._call("search", run)

    @staticmethod
    def _search_filter(
        organization_id: str,
        workspace_id: str,
        knowledge_base_ids: list[str],
        document_ids: list[str] | None,
    ) -> str | None:
        """The tenant-confined filter of a search, every id checked; None: nothing to find."""
        check_id("organization_id", organization_id)
        check_id("workspace_id", workspace_id)
        check_ids("knowledge_base_ids", knowledge_base_ids)
        if document_ids is not None:
            check_ids("document_ids", document_ids)
        if not knowledge_base_ids or document_ids == []:
            return None
        expr = (
            f'organization_id == "{organization_id}" and workspace_id == "{workspace_id}"'
            f" and knowledge_base_id in {string_list(knowledge_base_ids)}"
        )
        if document_ids is not None:
            expr += f" and document_id in {string_list(document_ids)}"
        return expr

    @staticmethod
    def _hits(rows: list[dict], *, clamp: bool = False) -> list[Hit]:
        """Search rows as hits; ``clamp``: scores are cosines (rounding can leave -1..1)."""
        return [
            Hit(
                id=str(row["id"]),
                document_id=str(row["entity"]["document_id"]),
                chunk_index=int(row["entity"]["chunk_index"]),
                score=max(-1.0, min(1.0, float(row["distance"])))
                if clamp
                else float(row["distance"]),
            )
            for row in rows
        ]
