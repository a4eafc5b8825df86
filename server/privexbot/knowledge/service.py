"""Knowledge bases and documents: the service behind KnowledgeService.

Every method takes the scope authorization resolved (the workspace in the name) and filters
every query by it. Uploads are parsed before anything is stored (a corrupt or unsupported
file is INVALID_ARGUMENT and leaves nothing behind); ingestion then runs as a durable job
(ingestion.py), and deletions owe their vectors to Milvus through the outbox in the same
transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import and_, delete, func, or_, select, update

from privexbot.kernel import pagination, resources, tasks
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument, not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag, check_mask
from privexbot.knowledge import chunking, parsing, search
from privexbot.knowledge.ingestion import TERMINAL, Ingestion, chunking_config
from privexbot.knowledge.vectors import VectorStore
from privexbot.store import audit, idempotency
from privexbot.store.models import (
    Chunk,
    Document,
    DocumentContent,
    KnowledgeBase,
    VectorOutbox,
)
from privexbot.tenancy import plans

KB_FIELDS = {"display_name", "description", "chunking", "retrieval", "embedding_model"}
DEFAULT_RETRIEVAL = {"top_k": 5, "score_threshold": 0.0, "mode": "vector"}
WATCH_INTERVAL = 0.2


def owed_vectors(doc: Document) -> VectorOutbox:
    """The outbox entry that deletes ``doc``'s vectors once the transaction commits."""
    return VectorOutbox(
        organization_id=doc.organization_id,
        workspace_id=doc.workspace_id,
        knowledge_base_id=doc.knowledge_base_id,
        document_id=doc.id,
    )


def kb_name(kb: KnowledgeBase) -> str:
    return f"{resources.WORKSPACE.name(kb.organization_id, kb.workspace_id)}/knowledgeBases/{kb.id}"


def document_name(doc: Document) -> str:
    return (
        f"{resources.WORKSPACE.name(doc.organization_id, doc.workspace_id)}/knowledgeBases/"
        f"{doc.knowledge_base_id}/documents/{doc.id}"
    )


@dataclass(frozen=True)
class KnowledgeBaseView:
    kb: KnowledgeBase
    document_count: int
    chunk_count: int
    size_bytes: int


@dataclass(frozen=True)
class Retrieval:
    top_k: int
    score_threshold: float
    mode: str  # vector | keyword | hybrid


def validated_chunking(settings: dict, field: str) -> dict:
    """The chunking settings, checked (InvalidArgument names ``field.…``)."""
    try:
        config = chunking_config(settings)
    except InvalidArgument as exc:
        raise InvalidArgument(
            exc.reason,
            exc.message,
            violations=[
                replace(v, field=f"{field}.{v.field.split('.')[-1]}") for v in exc.violations
            ],
        ) from None
    return {
        "strategy": str(config.strategy),
        "chunk_size": config.chunk_size,
        "chunk_overlap": config.chunk_overlap,
    }


class Knowledge:
    def __init__(
        self, sessions, vectors: VectorStore, ingestion: Ingestion, embed, settings
    ) -> None:
        self._sessions, self._vectors, self.ingestion = sessions, vectors, ingestion
        self._embed, self._settings = embed, settings

    # ---- knowledge bases ------------------------------------------------------------------

    async def _kb(self, session, scope: Scope, kb_id: str) -> KnowledgeBase:
        kb = await session.get(KnowledgeBase, kb_id)
        if kb is None or (kb.organization_id, kb.workspace_id) != (
            scope.organization_id,
            scope.workspace_id,
        ):
            raise not_found(
                f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/knowledgeBases/{kb_id}"
            )
        return kb

    async def _view(self, session, kb: KnowledgeBase) -> KnowledgeBaseView:
        documents, size = (
            await session.execute(
                select(func.count(), func.coalesce(func.sum(Document.size_bytes), 0)).where(
                    Document.knowledge_base_id == kb.id
                )
            )
        ).one()
        chunks = await session.scalar(select(func.count()).where(Chunk.knowledge_base_id == kb.id))
        return KnowledgeBaseView(kb, documents, chunks, size)

    def _check_model(self, model: str) -> str:
        model = model or self._settings.embedding_model
        if model != self._settings.embedding_model:
            raise InvalidArgument.field(
                "knowledge_base.embedding_model",
                f"must be {self._settings.embedding_model} (the enclave's embedding model)",
            )
        return model

    async def create_knowledge_base(
        self,
        scope: Scope,
        display_name: str,
        description: str,
        chunking_settings: dict,
        retrieval: dict,
        embedding_model: str,
        request_id: str,
    ) -> KnowledgeBaseView:
        chunk_settings = validated_chunking(chunking_settings, "knowledge_base.chunking")
        model = self._check_model(embedding_model)
        request = idempotency.fingerprint(
            resources.WORKSPACE.name(scope.organization_id, scope.workspace_id),
            display_name,
            description,
            chunk_settings,
            retrieval,
            model,
        )
        async with self._sessions() as session, session.begin():
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:
                return await self._view(
                    session, await self._kb(session, scope, earlier.rsplit("/", 1)[1])
                )
            await plans.ensure_room(
                session, scope.organization_id, "knowledge_bases", KnowledgeBase
            )
            kb = KnowledgeBase(
                organization_id=scope.organization_id,
                workspace_id=scope.workspace_id,
                display_name=display_name,
                description=description,
                chunking=chunk_settings,
                retrieval={**DEFAULT_RETRIEVAL, **retrieval},
                embedding_model=model,
                embedding_dimensions=self._vectors.dimension,
            )
            session.add(kb)
            await session.flush()
            idempotency.remember(session, request_id, request, kb_name(kb))
            audit.record(
                session,
                "knowledge.create",
                organization_id=kb.organization_id,
                resource=kb_name(kb),
            )
            return KnowledgeBaseView(kb, 0, 0, 0)

    async def get_knowledge_base(self, scope: Scope, kb_id: str) -> KnowledgeBaseView:
        async with self._sessions() as session:
            return await self._view(session, await self._kb(session, scope, kb_id))

    async def list_knowledge_bases(
        self, scope: Scope, size: int, token: str
    ) -> tuple[list[KnowledgeBaseView], str]:
        query_id = ("knowledge_bases", scope.workspace_id)
        query = select(KnowledgeBase).where(
            KnowledgeBase.organization_id == scope.organization_id,
            KnowledgeBase.workspace_id == scope.workspace_id,
        )
        async with self._sessions() as session:
            rows = list(
                (
                    await session.execute(
                        pagination.keyset(query, KnowledgeBase.id, size, token, query_id)
                    )
                ).scalars()
            )
            page, next_token = pagination.page(rows, size, lambda r: r.id, query_id)
            return [await self._view(session, kb) for kb in page], next_token

    async def update_knowledge_base(
        self, scope: Scope, kb_id: str, values: dict, paths: list[str], given_etag: str
    ) -> KnowledgeBaseView:
        check_mask(paths, KB_FIELDS)
        if "chunking" in paths:
            values["chunking"] = validated_chunking(values["chunking"], "knowledge_base.chunking")
        if "embedding_model" in paths:
            values["embedding_model"] = self._check_model(values["embedding_model"])
        async with self._sessions() as session, session.begin():
            kb = await self._kb(session, scope, kb_id)
            check_etag(given_etag, kb)
            reindex = any(
                getattr(kb, p) != values[p] for p in paths if p in ("chunking", "embedding_model")
            )
            for path in paths:
                setattr(
                    kb,
                    path,
                    {**DEFAULT_RETRIEVAL, **values[path]} if path == "retrieval" else values[path],
                )
            kb.version += 1
            kb.updated_at = datetime.now(UTC)
            if reindex:  # every document goes back through the pipeline with the new settings
                await session.execute(
                    update(Document)
                    .where(
                        Document.knowledge_base_id == kb.id,
                        Document.state.in_(("ready", "failed", "processing", "pending")),
                    )
                    .values(
                        state="pending",
                        stage="queued",
                        lease_until=None,
                        attempts=0,
                        failure_reason="",
                    )
                )
            audit.record(
                session,
                "knowledge.update",
                organization_id=kb.organization_id,
                resource=kb_name(kb),
                details={"fields": ",".join(sorted(paths)), "reindex": str(reindex).lower()},
            )
            view = await self._view(session, kb)
        if reindex:
            self.ingestion.notify()
        return view

    async def delete_knowledge_base(self, scope: Scope, kb_id: str, given_etag: str) -> None:
        async with self._sessions() as session, session.begin():
            kb = await self._kb(session, scope, kb_id)
            check_etag(given_etag, kb)
            session.add(
                VectorOutbox(
                    organization_id=kb.organization_id,
                    workspace_id=kb.workspace_id,
                    knowledge_base_id=kb.id,
                )
            )
            await session.execute(delete(KnowledgeBase).where(KnowledgeBase.id == kb.id))
            audit.record(
                session,
                "knowledge.delete",
                organization_id=kb.organization_id,
                resource=kb_name(kb),
            )
        self.ingestion.notify()

    # ---- documents ------------------------------------------------------------------------

    async def _document(self, session, scope: Scope, kb_id: str, doc_id: str) -> Document:
        doc = await session.get(Document, doc_id)
        if (
            doc is None
            or doc.knowledge_base_id != kb_id
            or doc.workspace_id != scope.workspace_id
            or doc.organization_id != scope.organization_id
        ):
            raise not_found(
                f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/knowledgeBases/{kb_id}/documents/{doc_id}"
            )
        return doc

    async def create_document(
        self,
        scope: Scope,
        kb_id: str,
        display_name: str,
        content_type: str,
        labels: dict[str, str],
        content: bytes,
        request_id: str,
    ) -> Document:
        """Check, store and queue a document. Parsing runs here too, so a bad file is refused
        at once and nothing of it is stored."""
        if not content:
            raise InvalidArgument.field("content", "is empty", "EMPTY_DOCUMENT")
        content_type = parsing.detect_content_type(content, content_type, display_name)
        await asyncio.to_thread(parsing.parse, content, content_type)
        sha256 = hashlib.sha256(content).hexdigest()
        request = idempotency.fingerprint(
            f"{resources.WORKSPACE.name(scope.organization_id, scope.workspace_id)}/knowledgeBases/{kb_id}",
            display_name,
            content_type,
            labels,
            sha256,
        )
        async with self._sessions() as session, session.begin():
            earlier = await idempotency.recall(session, request_id, request)
            if earlier:
                return await self._document(session, scope, kb_id, earlier.rsplit("/", 1)[1])
            kb = await self._kb(session, scope, kb_id)
            doc = Document(
                knowledge_base_id=kb.id,
                organization_id=kb.organization_id,
                workspace_id=kb.workspace_id,
                display_name=display_name,
                content_type=content_type,
                labels=dict(labels),
                size_bytes=len(content),
                content_sha256=sha256,
            )
            session.add(doc)
            await session.flush()
            session.add(DocumentContent(document_id=doc.id, content=content))
            idempotency.remember(session, request_id, request, document_name(doc))
            audit.record(
                session,
                "document.create",
                organization_id=kb.organization_id,
                resource=document_name(doc),
                details={"content_type": content_type, "size_bytes": str(len(content))},
            )
        self.ingestion.notify()
        return doc

    async def get_document(self, scope: Scope, kb_id: str, doc_id: str) -> Document:
        async with self._sessions() as session:
            return await self._document(session, scope, kb_id, doc_id)

    async def list_documents(
        self, scope: Scope, kb_id: str, size: int, token: str
    ) -> tuple[list[Document], str]:
        query_id = ("documents", kb_id)
        query = select(Document).where(Document.knowledge_base_id == kb_id)
        async with self._sessions() as session:
            await self._kb(session, scope, kb_id)
            rows = list(
                (
                    await session.execute(
                        pagination.keyset(query, Document.id, size, token, query_id)
                    )
                ).scalars()
            )
        return pagination.page(rows, size, lambda r: r.id, query_id)

    async def delete_document(self, scope: Scope, kb_id: str, doc_id: str, given_etag: str) -> None:
        async with self._sessions() as session, session.begin():
            doc = await self._document(session, scope, kb_id, doc_id)
            check_etag(given_etag, doc)
            session.add(owed_vectors(doc))
            await session.delete(doc)
            audit.record(
                session,
                "document.delete",
                organization_id=doc.organization_id,
                resource=document_name(doc),
            )
        self.ingestion.notify()

    async def cancel_ingestion(self, scope: Scope, kb_id: str, doc_id: str) -> Document:
        async with self._sessions() as session, session.begin():
            doc = await self._document(session, scope, kb_id, doc_id)
            if doc.state not in ("pending", "processing"):
                raise FailedPrecondition(
                    "NOT_INGESTING", f"the document is {doc.state}, not being ingested"
                )
            doc.state, doc.lease_until, doc.version = "cancelled", None, doc.version + 1
            doc.updated_at = datetime.now(UTC)
            session.add(owed_vectors(doc))
            await session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
        self.ingestion.notify()
        return doc

    async def watch(self, scope: Scope, kb_id: str, doc_id: str | None) -> AsyncIterator[Document]:
        """Snapshots of a document (or of every document of a knowledge base) whenever they
        change, until all are ready, failed or cancelled. Polls the row, so it follows work
        done by any worker process."""
        last: dict[str, tuple] = {}
        while True:
            async with self._sessions() as session:
                if doc_id is not None:
                    docs = [await self._document(session, scope, kb_id, doc_id)]
                else:
                    await self._kb(session, scope, kb_id)
                    docs = list(
                        (
                            await session.execute(
                                select(Document)
                                .where(Document.knowledge_base_id == kb_id)
                                .order_by(Document.id)
                            )
                        ).scalars()
                    )
            for doc in docs:
                key = (
                    doc.state,
                    doc.stage,
                    doc.chunks_total,
                    doc.chunks_embedded,
                    doc.chunks_indexed,
                )
                if last.get(doc.id) != key:
                    last[doc.id] = key
                    yield doc
            if all(doc.state in TERMINAL for doc in docs):
                return
            await asyncio.sleep(WATCH_INTERVAL)

    # ---- search and preview ---------------------------------------------------------------

    def retrieval(self, kb: KnowledgeBase, override: dict) -> Retrieval:
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
            kb = await self._kb(session, scope, kb_id)
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
                for kb in (
                    await session.execute(
                        select(KnowledgeBase).where(
                            KnowledgeBase.id.in_(kb_ids),
                            KnowledgeBase.organization_id == scope.organization_id,
                            KnowledgeBase.workspace_id == scope.workspace_id,
                        )
                    )
                ).scalars()
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
        pool = settings.top_k * 4 if settings.mode == "hybrid" else settings.top_k
        ranked: list[tuple[str, int, float]] = []
        if settings.mode in ("vector", "hybrid"):
            (vector,) = await (embedding or self._embed([query]))
            vector_ranked = await search.vector_search(
                self._vectors,
                organization_id=scope.organization_id,
                workspace_id=scope.workspace_id,
                knowledge_base_ids=kb_ids,
                vector=vector,
                top_k=pool,
                document_ids=document_ids,
            )
            ranked = vector_ranked
        if settings.mode in ("keyword", "hybrid"):
            keyword_ranked = await search.keyword_search(
                self._sessions,
                knowledge_base_ids=kb_ids,
                query=query,
                top_k=pool,
                document_ids=document_ids,
            )
            ranked = (
                keyword_ranked
                if settings.mode == "keyword"
                else search.fuse(vector_ranked, keyword_ranked, top_k=settings.top_k)
            )
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
            search.Result(found[(d, i)][1], found[(d, i)][0], score)
            for d, i, score in ranked
            if (d, i) in found
        ]

    async def preview_chunking(
        self, content: bytes, content_type: str, settings: dict
    ) -> list[chunking.Chunk]:
        config = chunking_config(validated_chunking(settings, "chunking"))
        content_type = parsing.detect_content_type(content, content_type)
        parsed = await asyncio.to_thread(parsing.parse, content, content_type)
        return chunking.chunk(parsed, config)
