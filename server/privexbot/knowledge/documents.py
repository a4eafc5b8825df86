"""Documents: parsed before anything is stored (a corrupt or unsupported file is
INVALID_ARGUMENT and leaves nothing behind), then ingested by a durable job (ingestion.py)
whose state lives on the row; watched as they change, cancelled, deleted with their vectors
(owed to Milvus through the outbox in the same transaction)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update

from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.errors import FailedPrecondition, InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.knowledge import chunking, parsing
from privexbot.knowledge.ingestion import TERMINAL, chunking_config
from privexbot.knowledge.knowledge_bases import get_row as get_knowledge_base
from privexbot.knowledge.knowledge_bases import page_within, validated_chunking
from privexbot.knowledge.search import Citation, citation_of
from privexbot.store.models import Chunk, Document, DocumentContent, VectorOutbox

WATCH_INTERVAL = 0.2


@dataclass(frozen=True)
class ChunkView:
    text: str
    citation: Citation


@dataclass(frozen=True)
class FileView(InWorkspace):
    """A file in a knowledge base: a document, or an upload on its way to being one."""

    knowledge_base_id: str
    display_name: str
    content_type: str
    labels: dict[str, str]
    size_bytes: int


@dataclass(frozen=True)
class DocumentView(FileView, pattern=resources.DOCUMENT):
    content_sha256: str
    state: str  # pending | processing | ready | failed | cancelled
    stage: str  # queued | parsing | chunking | embedding | indexing | done
    chunks_total: int
    chunks_embedded: int
    chunks_indexed: int
    page_count: int
    failure_reason: str
    created_at: datetime
    updated_at: datetime
    ready_at: datetime | None
    etag: str
    source_url: str  # a website page's URL, else ""
    website_source_id: str  # its website source, else ""

    @property
    def website_source(self) -> str:
        if not self.website_source_id:
            return ""
        return resources.WEBSITE_SOURCE.name(
            self.organization_id, self.workspace_id, self.knowledge_base_id, self.website_source_id
        )


def _view(doc: Document) -> DocumentView:
    return from_row(
        DocumentView,
        doc,
        labels=dict(doc.labels),
        etag=standard.etag(doc),
        source_url=doc.source_url or "",
        website_source_id=doc.website_source_id or "",
    )


async def checked(content: bytes, content_type: str, display_name: str) -> tuple[str, str]:
    """The content's type (detected, checked against the declared one) and SHA-256, once it
    is known to parse: a bad file is INVALID_ARGUMENT before anything of it is stored."""
    if not content:
        raise InvalidArgument.field("content", "is empty", "EMPTY_DOCUMENT")
    content_type = parsing.detect_content_type(content, content_type, display_name)
    await asyncio.to_thread(parsing.parse, content, content_type)
    return content_type, hashlib.sha256(content).hexdigest()


async def add_document(
    session,
    kb_id: str,
    scope: Scope,
    display_name: str,
    content_type: str,
    labels: dict[str, str],
    content: bytes,
    sha256: str,
    **source,
) -> Document:
    """A new document row and its content, pending ingestion; ``source``: a website page's
    ``website_source_id`` and ``source_url``."""
    doc = Document(
        knowledge_base_id=kb_id,
        **scope.columns,
        display_name=display_name[:255],
        content_type=content_type,
        labels=dict(labels),
        size_bytes=len(content),
        content_sha256=sha256,
        **source,
    )
    session.add(doc)
    await session.flush()
    session.add(DocumentContent(document_id=doc.id, content=content))
    return doc


def owed_vectors(doc: Document) -> VectorOutbox:
    """The outbox entry that deletes ``doc``'s vectors once the transaction commits."""
    return VectorOutbox(
        organization_id=doc.organization_id,
        workspace_id=doc.workspace_id,
        knowledge_base_id=doc.knowledge_base_id,
        document_id=doc.id,
    )


async def replace_content(
    session, doc: Document, content: bytes, content_type: str, sha256: str
) -> None:
    """Give a document (not being ingested: its row read for update) new content and queue
    it for ingestion again. Its old chunks go now, so none is listed or cited meanwhile;
    its old vectors are owed through the outbox, which ingestion applies before it takes
    the document again."""
    if doc.state == "processing":
        raise FailedPrecondition(
            "ALREADY_INGESTING", "the document is being ingested: wait for it or cancel it"
        )
    doc.content_type, doc.size_bytes, doc.content_sha256 = content_type, len(content), sha256
    doc.state, doc.stage, doc.lease_until, doc.attempts = "pending", "queued", None, 0
    doc.failure_reason, doc.chunks_total, doc.chunks_embedded, doc.chunks_indexed = "", 0, 0, 0
    doc.version, doc.updated_at = doc.version + 1, datetime.now(UTC)
    await session.execute(
        update(DocumentContent).where(DocumentContent.document_id == doc.id).values(content=content)
    )
    await session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
    session.add(owed_vectors(doc))


DOCUMENTS = standard.Methods(
    Document, resources.DOCUMENT, "document", {"display_name", "labels", "content"}
)


async def _get(session, scope: Scope, kb_id: str, doc_id: str) -> Document:
    return await DOCUMENTS.get(session, scope, kb_id, doc_id, knowledge_base_id=kb_id)


@dataclass(frozen=True)
class Declared:
    """What a client says of a file before its bytes arrive."""

    display_name: str
    content_type: str
    labels: dict[str, str]
    size_bytes: int  # 0: not said


class Documents:
    def __init__(self, sessions, ingestion) -> None:
        """``ingestion``: told when a document waits to be processed or its vectors deleted."""
        self._sessions, self._ingestion = sessions, ingestion

    async def create(
        self,
        scope: Scope,
        kb_id: str,
        display_name: str,
        content_type: str,
        labels: dict[str, str],
        content: bytes,
        request_id: str,
    ) -> DocumentView:
        """Check, store and queue a document. Parsing runs here too, so a bad file is refused
        at once and nothing of it is stored."""
        content_type, sha256 = await checked(content, content_type, display_name)
        parent = resources.KNOWLEDGE_BASE.name(scope.organization_id, scope.workspace_id, kb_id)
        async with self._sessions() as session, session.begin():

            async def make() -> Document:
                await get_knowledge_base(session, scope, kb_id)
                return await add_document(
                    session, kb_id, scope, display_name, content_type, labels, content, sha256
                )

            doc = await DOCUMENTS.create(
                session,
                request_id,
                (parent, display_name, content_type, labels, sha256),
                make,
                details=lambda d: {"content_type": d.content_type, "size_bytes": str(d.size_bytes)},
            )
        self._ingestion.notify()
        return _view(doc)

    async def receive(self, scope: Scope, kb_id: str, declared: Declared, parts, request_id: str):
        """A document sent as a stream of ``parts`` (UploadDocument): the declared type and
        size are checked before the first part is read, the declared size as parts arrive."""
        parsing.check_declared(declared.content_type, declared.size_bytes, "metadata.")
        limit = declared.size_bytes or parsing.MAX_DOCUMENT_BYTES
        received, size = [], 0
        async for part in parts:
            size += len(part)
            if size > limit:
                if declared.size_bytes:
                    raise InvalidArgument.field(
                        "chunk",
                        f"more bytes arrived than metadata.size_bytes ({limit}) declared",
                        "UPLOAD_SIZE_MISMATCH",
                    )
                raise parsing.too_large(
                    f"the document exceeds {limit} bytes", "chunk", size_limit=True
                )
            received.append(part)
        if declared.size_bytes and declared.size_bytes != size:
            raise InvalidArgument.field(
                "metadata.size_bytes",
                f"says {declared.size_bytes} but {size} bytes arrived",
                "UPLOAD_SIZE_MISMATCH",
            )
        return await self.create(
            scope,
            kb_id,
            declared.display_name,
            declared.content_type,
            declared.labels,
            b"".join(received),
            request_id,
        )

    async def get(self, scope: Scope, kb_id: str, doc_id: str) -> DocumentView:
        async with self._sessions() as session:
            return _view(await _get(session, scope, kb_id, doc_id))

    async def list(
        self, scope: Scope, kb_id: str, size: int, token: str
    ) -> tuple[list[DocumentView], str]:
        rows, next_token = await page_within(self._sessions, scope, kb_id, Document, size, token)
        return [_view(d) for d in rows], next_token

    async def list_chunks(
        self, scope: Scope, kb_id: str, doc_id: str, size: int, token: str
    ) -> tuple[list[ChunkView], str]:
        """A document's chunks in document order, a keyset page on the chunk index."""
        query_id = ("chunks", kb_id, doc_id)
        after = pagination.decode(token, query_id)
        if after is not None and not after.isdigit():
            raise InvalidArgument.field("page_token", "is not a token of this list")
        query = select(Chunk).where(Chunk.knowledge_base_id == kb_id, Chunk.document_id == doc_id)
        if after is not None:
            query = query.where(Chunk.index > int(after))
        async with self._sessions() as session:
            doc = await _get(session, scope, kb_id, doc_id)
            rows = list(await session.scalars(query.order_by(Chunk.index).limit(size + 1)))
        chunks, next_token = pagination.page(rows, size, lambda c: str(c.index), query_id)
        return [ChunkView(c.text, citation_of(c, doc)) for c in chunks], next_token

    async def update(
        self, scope: Scope, kb_id: str, doc_id: str, values: dict, paths: list[str], etag: str
    ) -> DocumentView:
        """display_name and labels as given; "content" (``values["content"]``: the new bytes
        and their declared type) replaced and ingested again. A bad file changes nothing."""
        standard.check_mask(paths, DOCUMENTS.updatable)
        replacing = "content" in paths
        if replacing:
            content, declared = values.pop("content")
            content_type, sha256 = await checked(content, declared, values["display_name"])
        async with self._sessions() as session, session.begin():
            doc = await _get(session, scope, kb_id, doc_id)
            await session.refresh(doc, with_for_update=True)
            unchanged = replacing and sha256 == doc.content_sha256
            DOCUMENTS.update(session, doc, values, paths, etag)
            if replacing and not unchanged:
                await replace_content(session, doc, content, content_type, sha256)
            view = _view(doc)
        self._ingestion.notify()
        return view

    async def delete(self, scope: Scope, kb_id: str, doc_id: str, given_etag: str) -> None:
        async with self._sessions() as session, session.begin():
            doc = await _get(session, scope, kb_id, doc_id)
            session.add(owed_vectors(doc))
            await DOCUMENTS.delete(session, doc, given_etag)
        self._ingestion.notify()

    async def reindex(self, scope: Scope, kb_id: str, doc_id: str) -> DocumentView:
        """Queue a document for ingestion again (the pipeline replaces its chunks and
        vectors); one already pending or processing is FAILED_PRECONDITION."""
        async with self._sessions() as session, session.begin():
            doc = await _get(session, scope, kb_id, doc_id)
            if doc.state in ("pending", "processing"):
                raise FailedPrecondition(
                    "ALREADY_INGESTING", f"the document is {doc.state}: wait for it or cancel it"
                )
            doc.state, doc.stage, doc.lease_until = "pending", "queued", None
            doc.attempts, doc.failure_reason, doc.version = 0, "", doc.version + 1
            doc.updated_at = datetime.now(UTC)
        self._ingestion.notify()
        return _view(doc)

    async def cancel_ingestion(self, scope: Scope, kb_id: str, doc_id: str) -> DocumentView:
        async with self._sessions() as session, session.begin():
            doc = await _get(session, scope, kb_id, doc_id)
            if doc.state not in ("pending", "processing"):
                raise FailedPrecondition(
                    "NOT_INGESTING", f"the document is {doc.state}, not being ingested"
                )
            doc.state, doc.lease_until, doc.version = "cancelled", None, doc.version + 1
            doc.updated_at = datetime.now(UTC)
            session.add(owed_vectors(doc))
            await session.execute(delete(Chunk).where(Chunk.document_id == doc.id))
        self._ingestion.notify()
        return _view(doc)

    async def watch(
        self, scope: Scope, kb_id: str, doc_id: str | None
    ) -> AsyncIterator[DocumentView]:
        """Snapshots of a document (or of every document of a knowledge base) whenever they
        change, until all are ready, failed or cancelled. Polls the row, so it follows work
        done by any worker process."""
        last: dict[str, tuple] = {}
        while True:
            async with self._sessions() as session:
                if doc_id is not None:
                    docs = [await _get(session, scope, kb_id, doc_id)]
                else:
                    await get_knowledge_base(session, scope, kb_id)
                    docs = list(
                        await session.scalars(
                            select(Document)
                            .where(Document.knowledge_base_id == kb_id)
                            .order_by(Document.id)
                        )
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
                    yield _view(doc)
            if all(doc.state in TERMINAL for doc in docs):
                return
            await asyncio.sleep(WATCH_INTERVAL)

    @staticmethod
    async def preview_chunking(
        content: bytes, content_type: str, settings: dict
    ) -> list[chunking.Chunk]:
        config = chunking_config(validated_chunking(settings, "chunking"))
        content_type = parsing.detect_content_type(content, content_type)
        parsed = await asyncio.to_thread(parsing.parse, content, content_type)
        return chunking.chunk(parsed, config)
