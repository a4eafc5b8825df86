"""Retrieval, all inside Milvus: vector (dense), keyword (BM25 full-text search) and hybrid
(one hybrid_search of both, fused by reciprocal rank). Every query is confined to one
tenant's knowledge bases; why: docs/decisions/0011-search-in-milvus.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from privexbot.kernel import resources
from privexbot.knowledge.collection import MAX_TOP_K
from privexbot.knowledge.vector_search import Hit
from privexbot.knowledge.vectors import VectorStore
from privexbot.store.models import Chunk, Document

HYBRID_POOL = 4  # candidates per ranking, × top_k, before fusion


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
    vectors: VectorStore,
    *,
    organization_id: str,
    workspace_id: str,
    knowledge_base_ids: list[str],
    query: str,
    top_k: int,
    document_ids: list[str] | None,
) -> list[tuple[str, int, float]]:
    """Milvus full-text (BM25) search; scores normalised to 0..1 (the best match scores 1)."""
    hits = await vectors.keyword_search(
        organization_id=organization_id,
        workspace_id=workspace_id,
        knowledge_base_ids=knowledge_base_ids,
        text=query,
        top_k=top_k,
        document_ids=document_ids,
    )
    return _relative(hits)


async def hybrid_search(
    vectors: VectorStore,
    *,
    organization_id: str,
    workspace_id: str,
    knowledge_base_ids: list[str],
    query: str,
    vector: list[float],
    top_k: int,
    document_ids: list[str] | None,
) -> list[tuple[str, int, float]]:
    """Dense and BM25 fused by reciprocal rank in one Milvus call, each ranking drawing from
    ``HYBRID_POOL`` × ``top_k`` candidates; scores rescaled so the best scores 1."""
    hits = await vectors.hybrid_search(
        organization_id=organization_id,
        workspace_id=workspace_id,
        knowledge_base_ids=knowledge_base_ids,
        vector=vector,
        text=query,
        top_k=top_k,
        pool=min(MAX_TOP_K, top_k * HYBRID_POOL),
        document_ids=document_ids,
    )
    return _relative(hits)


def _relative(hits: list[Hit]) -> list[tuple[str, int, float]]:
    best = hits[0].score if hits and hits[0].score > 0 else 1.0
    return [(h.document_id, h.chunk_index, h.score / best) for h in hits]
