"""Retrieval, all inside Milvus: vector (dense), keyword (BM25 full-text search) and hybrid
(one hybrid_search of both, fused by reciprocal rank). Every query is confined to one
tenant's knowledge bases; why: docs/decisions/0011-search-in-milvus.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from privexbot.kernel import resources
from privexbot.knowledge.vector_search import Hit
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
    source_url: str = ""  # a website page's URL


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
        document.source_url or "",
    )


def ranked(hits: list[Hit], relative: bool) -> list[tuple[str, int, float]]:
    """(document id, chunk index, score) of ``hits``, best first. Cosine similarities are
    absolute; BM25 and fused scores (``relative``) are rescaled so the best scores 1."""
    best = hits[0].score if relative and hits and hits[0].score > 0 else 1.0
    return [(h.document_id, h.chunk_index, h.score / best) for h in hits]
