"""Retrieval: vector (Milvus), keyword (BM25 over the chunks in SQL) and hybrid (reciprocal
rank fusion of the two). Every query is confined to one tenant's knowledge bases."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import func, or_, select

from privexbot.kernel import resources
from privexbot.knowledge.vectors import VectorStore
from privexbot.store.models import Chunk, Document

TOKEN = re.compile(r"\w+")
MAX_QUERY_TERMS = 16
KEYWORD_CANDIDATES = 2000
RRF_K = 60  # the usual reciprocal-rank-fusion constant
BM25_K1, BM25_B = 1.2, 0.75


@dataclass(frozen=True)
class Citation:
    """Where a chunk comes from, as an answer cites it."""

    document: str  # the document's resource name
    document_display_name: str
    chunk_index: int
    page: int
    heading_path: tuple[str, ...]
    start_offset: int
    end_offset: int


@dataclass(frozen=True)
class ScoredCitation:
    citation: Citation
    score: float

    def record(self) -> dict:
        """As stored with a chat message (JSON)."""
        return {
            **asdict(self.citation),
            "heading_path": list(self.citation.heading_path),
            "score": self.score,
        }

    @classmethod
    def from_record(cls, record: dict) -> ScoredCitation:
        fields = {k: v for k, v in record.items() if k != "score"}
        fields["heading_path"] = tuple(fields["heading_path"])
        return cls(Citation(**fields), record["score"])


@dataclass(frozen=True)
class Result:
    """A retrieved chunk: its text, how well it matched, and its citation."""

    text: str
    score: float
    citation: Citation


def citation_of(chunk: Chunk, document: Document) -> Citation:
    return Citation(
        resources.DOCUMENT.name(
            document.organization_id, document.workspace_id, document.knowledge_base_id, document.id
        ),
        document.display_name,
        chunk.index,
        chunk.page or 0,
        tuple(chunk.heading_path),
        chunk.start_offset,
        chunk.end_offset,
    )


def terms(text: str) -> list[str]:
    seen = dict.fromkeys(t.lower() for t in TOKEN.findall(text) if len(t) > 1)
    return list(seen)[:MAX_QUERY_TERMS]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def vector_search(
    vectors: VectorStore,
    *,
    organization_id: str,
    workspace_id: str,
    knowledge_base_ids: list[str],
    vector: list[float],
    top_k: int,
    document_ids: list[str] | None,
) -> list[tuple[str, int, float]]:
    """(document id, chunk index, cosine similarity) of the chunks nearest to the query's
    ``vector``, best first."""
    hits = await vectors.search(
        organization_id=organization_id,
        workspace_id=workspace_id,
        knowledge_base_ids=knowledge_base_ids,
        vector=vector,
        top_k=top_k,
        document_ids=document_ids,
    )
    return [(h.document_id, h.chunk_index, h.score) for h in hits]


async def keyword_search(
    sessions,
    *,
    knowledge_base_ids: list[str],
    query: str,
    top_k: int,
    document_ids: list[str] | None,
) -> list[tuple[str, int, float]]:
    """BM25 over the knowledge bases' chunks: document frequencies and lengths from SQL,
    scores normalised to 0..1 (the best match scores 1)."""
    words = terms(query)
    if not words:
        return []
    in_scope = [Chunk.knowledge_base_id.in_(knowledge_base_ids)]
    if document_ids is not None:
        in_scope.append(Chunk.document_id.in_(document_ids))
    text = func.lower(Chunk.text)
    matches = {w: text.like(f"%{_escape_like(w)}%", escape="\\") for w in words}
    async with sessions() as session:
        total, average = (
            await session.execute(
                select(func.count(), func.avg(func.length(Chunk.text))).where(*in_scope)
            )
        ).one()
        if not total:
            return []
        frequency = {
            w: await session.scalar(select(func.count()).where(*in_scope, match))
            for w, match in matches.items()
        }
        rows = (
            await session.execute(
                select(Chunk.document_id, Chunk.index, Chunk.text)
                .where(*in_scope, or_(*matches.values()))
                .limit(KEYWORD_CANDIDATES)
            )
        ).all()
    scored = []
    for document_id, index, chunk_text in rows:
        counts = Counter(t.lower() for t in TOKEN.findall(chunk_text))
        length = len(chunk_text) / float(average or 1)  # AVG is a Decimal on PostgreSQL
        score = 0.0
        for w in words:
            tf = counts.get(w, 0) or chunk_text.lower().count(w)
            if not tf:
                continue
            idf = math.log(1 + (total - frequency[w] + 0.5) / (frequency[w] + 0.5))
            score += idf * tf * (BM25_K1 + 1) / (tf + BM25_K1 * (1 - BM25_B + BM25_B * length))
        scored.append((document_id, index, score))
    scored.sort(key=lambda r: r[2], reverse=True)
    best = scored[0][2] if scored else 1.0
    return [(d, i, s / best) for d, i, s in scored[:top_k] if s > 0]


def fuse(*rankings: list[tuple[str, int, float]], top_k: int) -> list[tuple[str, int, float]]:
    """Reciprocal rank fusion; scores rescaled so the best fused result scores 1."""
    fused: dict[tuple[str, int], float] = {}
    for ranking in rankings:
        for rank, (document_id, index, _) in enumerate(ranking):
            fused[(document_id, index)] = fused.get((document_id, index), 0.0) + 1 / (
                RRF_K + rank + 1
            )
    ordered = sorted(fused.items(), key=lambda kv: kv[1], reverse=True)[:top_k]
    best = ordered[0][1] if ordered else 1.0
    return [(d, i, score / best) for (d, i), score in ordered]
