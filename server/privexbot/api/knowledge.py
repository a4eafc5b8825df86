"""KnowledgeService: unpack the request, call ``knowledge``, pack the response."""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import asdict

from privexbot.api import standard
from privexbot.api.convert import enum_names, pack, timestamp
from privexbot.api.inference import verdict_message
from privexbot.api.website_sources import WebsiteSourceMethods
from privexbot.interceptors.errors import to_status
from privexbot.kernel import resources, validation
from privexbot.kernel.calls import current
from privexbot.kernel.errors import DomainError, InvalidArgument
from privexbot.knowledge import chunking
from privexbot.knowledge.documents import ChunkView, Declared, DocumentView
from privexbot.knowledge.knowledge_bases import KnowledgeBaseView
from privexbot.knowledge.search import Citation, ScoredCitation
from privexbot.knowledge.uploads import UploadView
from privexbot.v1 import knowledge_pb2, knowledge_pb2_grpc

STRATEGIES = enum_names(knowledge_pb2.ChunkingSettings.Strategy)
MODES = enum_names(knowledge_pb2.RetrievalSettings.Mode)
STATES = enum_names(knowledge_pb2.Document.State)
MAX_BATCH_FILES = 100  # per UploadDocuments stream


def chunking_dict(message: knowledge_pb2.ChunkingSettings) -> dict:
    values = {"strategy": STRATEGIES.names.get(message.strategy, "recursive")}
    for field in ("chunk_size", "chunk_overlap"):
        if message.HasField(field):
            values[field] = getattr(message, field)
    return values


def retrieval_dict(message: knowledge_pb2.RetrievalSettings) -> dict:
    values = {}
    if message.mode:
        values["mode"] = MODES.names[message.mode]
    for field in ("top_k", "score_threshold"):
        if message.HasField(field):
            values[field] = getattr(message, field)
    return values


def kb_message(kb: KnowledgeBaseView) -> knowledge_pb2.KnowledgeBase:
    return pack(
        knowledge_pb2.KnowledgeBase,
        kb,
        chunking=knowledge_pb2.ChunkingSettings(
            strategy=STRATEGIES.number(kb.chunking["strategy"]),
            chunk_size=kb.chunking["chunk_size"],
            chunk_overlap=kb.chunking["chunk_overlap"],
        ),
        retrieval=knowledge_pb2.RetrievalSettings(
            top_k=kb.retrieval["top_k"],
            score_threshold=kb.retrieval["score_threshold"],
            mode=MODES.number(kb.retrieval["mode"]),
        ),
    )


def progress_message(doc: DocumentView) -> knowledge_pb2.IngestionProgress:
    total = doc.chunks_total
    percent = 100 if doc.state == "ready" else (doc.chunks_indexed * 100 // total if total else 0)
    return pack(knowledge_pb2.IngestionProgress, doc, percent_complete=percent)


def document_message(doc: DocumentView) -> knowledge_pb2.Document:
    return pack(
        knowledge_pb2.Document,
        doc,
        progress=progress_message(doc),
        chunk_count=doc.chunks_total if doc.state == "ready" else 0,
    )


def upload_message(upload: UploadView) -> knowledge_pb2.Upload:
    return pack(knowledge_pb2.Upload, upload, state="finished" if upload.document_id else "active")


def citation_message(citation: Citation) -> knowledge_pb2.Citation:
    return knowledge_pb2.Citation(**asdict(citation))


def chunk_message(chunk: ChunkView) -> knowledge_pb2.DocumentChunk:
    return knowledge_pb2.DocumentChunk(text=chunk.text, citation=citation_message(chunk.citation))


def scored_citation_message(scored: ScoredCitation) -> knowledge_pb2.ScoredCitation:
    return knowledge_pb2.ScoredCitation(
        citation=citation_message(scored.citation), score=scored.score
    )


def inline_content(request, content_type: str) -> tuple[bytes, str]:
    """The bytes of a request's ``text`` or ``content`` (one of them), and their type."""
    source = request.WhichOneof("source")
    if source is None:
        raise InvalidArgument.field("text", "set text or content")
    if source == "text":
        return request.text.encode(), content_type or "text/plain"
    return request.content, content_type


async def _chunks(request_iterator):
    """The bytes of an upload's messages after its first (the metadata)."""
    async for message in request_iterator:
        if message.WhichOneof("payload") != "chunk":
            raise InvalidArgument.field("metadata", "may be sent only once")
        yield message.chunk


def _declared(metadata) -> Declared:
    return Declared(
        metadata.display_name, metadata.content_type, dict(metadata.labels), metadata.size_bytes
    )


async def _files(first, messages):
    """(metadata, its bytes as an async iterator) for each file of an UploadDocuments
    stream; what a refused file's reader left unread is skipped."""
    metadata = first.metadata
    while metadata is not None:
        following = None

        async def parts():
            nonlocal following
            async for message in messages:
                if message.WhichOneof("payload") == "metadata":
                    following = message
                    return
                yield message.chunk

        file_parts = parts()
        yield metadata, file_parts
        async for _ in file_parts:
            pass
        metadata = following.metadata if following is not None else None


def _kb_values(kb) -> dict:
    return {
        "display_name": kb.display_name,
        "description": kb.description,
        "chunking": chunking_dict(kb.chunking),
        "retrieval": retrieval_dict(kb.retrieval),
        "embedding_model": kb.embedding_model,
    }


class KnowledgeApi(WebsiteSourceMethods, knowledge_pb2_grpc.KnowledgeServiceServicer):
    def __init__(self, platform) -> None:
        self.knowledge_bases, self.documents = platform.knowledge_bases, platform.documents
        self.retriever, self.uploads = platform.retriever, platform.uploads
        self.website_sources = platform.website_sources
        self.attestor = platform.inference.attestor

    async def CreateKnowledgeBase(self, request, context):
        kb = request.knowledge_base
        view = await self.knowledge_bases.create(
            current().scope,
            kb.display_name,
            kb.description,
            chunking_dict(kb.chunking),
            retrieval_dict(kb.retrieval),
            kb.embedding_model,
            request.request_id,
        )
        return kb_message(view)

    GetKnowledgeBase = standard.get("knowledge_bases", kb_message, resources.KNOWLEDGE_BASE)

    ListKnowledgeBases = standard.list_(
        knowledge_pb2.ListKnowledgeBasesResponse, "knowledge_bases", kb_message
    )

    UpdateKnowledgeBase = standard.update(
        "knowledge_base", "knowledge_bases", kb_message, resources.KNOWLEDGE_BASE, _kb_values
    )

    DeleteKnowledgeBase = standard.delete("knowledge_bases", resources.KNOWLEDGE_BASE)

    async def UploadDocument(self, request_iterator, context):
        """Client streaming: a metadata message, then the bytes in chunks."""
        messages = aiter(request_iterator)
        first = await anext(messages)
        if first.WhichOneof("payload") != "metadata":
            raise InvalidArgument.field("metadata", "must come first")
        metadata = first.metadata
        kb_id = resources.KNOWLEDGE_BASE.id_of(metadata.parent, "metadata.parent")
        doc = await self.documents.receive(
            current().scope, kb_id, _declared(metadata), _chunks(messages), metadata.request_id
        )
        return document_message(doc)

    async def UploadDocuments(self, request_iterator, context):
        """Client streaming: per file a metadata message, then its bytes; a result per file
        (the first file's metadata was checked, and the caller authorized, on its scope)."""
        messages = aiter(request_iterator)
        first = await anext(messages)
        if first.WhichOneof("payload") != "metadata":
            raise InvalidArgument.field("metadata", "must come first")
        parent = first.metadata.parent
        kb_id = resources.KNOWLEDGE_BASE.id_of(parent, "metadata.parent")
        results = []
        async with aclosing(_files(first, messages)) as files:
            async for metadata, parts in files:
                number = len(results) + 1
                results.append(await self._take_file(kb_id, parent, metadata, parts, number))
                if number > MAX_BATCH_FILES:
                    break  # the rest of the stream is not read
        return knowledge_pb2.UploadDocumentsResponse(results=results)

    async def _take_file(self, kb_id: str, parent: str, metadata, parts, number: int):
        """One file of UploadDocuments: its document, or why it was refused."""
        result = knowledge_pb2.UploadDocumentsResponse.Result(display_name=metadata.display_name)
        try:
            if number > MAX_BATCH_FILES:
                raise InvalidArgument.field(
                    "metadata", f"at most {MAX_BATCH_FILES} files per stream", "TOO_MANY_FILES"
                )
            validation.validate(knowledge_pb2.UploadDocumentsRequest(metadata=metadata))
            if metadata.parent != parent:  # authorization covered the first file's only
                raise InvalidArgument.field(
                    "metadata.parent", "must name the knowledge base the first file names"
                )
            doc = await self.documents.receive(
                current().scope, kb_id, _declared(metadata), parts, metadata.request_id
            )
            result.document.CopyFrom(document_message(doc))
        except DomainError as exc:
            result.error.CopyFrom(to_status(exc))
        return result

    async def StartUpload(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.id_of(request.parent, "parent")
        u = request.upload
        file = Declared(u.display_name, u.content_type, dict(u.labels), u.size_bytes)
        upload = await self.uploads.start(current().scope, kb_id, file, request.request_id)
        return upload_message(upload)

    GetUpload = standard.get("uploads", upload_message, resources.UPLOAD)

    async def AppendUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        upload = await self.uploads.append(
            current().scope, kb_id, upload_id, request.offset, request.data
        )
        return upload_message(upload)

    async def FinishUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        return document_message(await self.uploads.finish(current().scope, kb_id, upload_id))

    DeleteUpload = standard.delete("uploads", resources.UPLOAD)

    async def CreateDocument(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.id_of(request.parent, "parent")
        content, content_type = inline_content(request, request.document.content_type)
        doc = await self.documents.create(
            current().scope,
            kb_id,
            request.document.display_name,
            content_type,
            dict(request.document.labels),
            content,
            request.request_id,
        )
        return document_message(doc)

    GetDocument = standard.get("documents", document_message, resources.DOCUMENT)

    ListDocuments = standard.list_(
        knowledge_pb2.ListDocumentsResponse, "documents", document_message, resources.KNOWLEDGE_BASE
    )

    ListChunks = standard.list_(
        knowledge_pb2.ListChunksResponse,
        "documents",
        chunk_message,
        resources.DOCUMENT,
        lister="list_chunks",
    )

    async def UpdateDocument(self, request, context):
        doc = request.document
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(doc.name, "document.name")
        paths = list(request.update_mask.paths)
        values = {"display_name": doc.display_name, "labels": dict(doc.labels)}
        if "content" in paths:
            values["content"] = inline_content(request, doc.content_type)
        view = await self.documents.update(current().scope, kb_id, doc_id, values, paths, doc.etag)
        return document_message(view)

    DeleteDocument = standard.delete("documents", resources.DOCUMENT)

    async def ReindexDocument(self, request, context):
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        return document_message(await self.documents.reindex(current().scope, kb_id, doc_id))

    async def CancelIngestion(self, request, context):
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        return document_message(
            await self.documents.cancel_ingestion(current().scope, kb_id, doc_id)
        )

    async def WatchIngestion(self, request, context):
        if resources.DOCUMENT.matches(request.name):
            _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        else:
            kb_id, doc_id = resources.KNOWLEDGE_BASE.id_of(request.name), None
        async for doc in self.documents.watch(current().scope, kb_id, doc_id):
            yield knowledge_pb2.IngestionEvent(
                document=doc.name,
                state=STATES.number(doc.state),
                progress=progress_message(doc),
                failure_reason=doc.failure_reason,
                event_time=timestamp(doc.updated_at),
            )

    async def SearchKnowledgeBase(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.id_of(request.name)
        documents = [resources.DOCUMENT.id_of(d, "documents") for d in request.documents]
        results = await self.retriever.search(
            current().scope,
            kb_id,
            request.query,
            retrieval_dict(request.retrieval),
            documents,
            dict(request.labels),
        )
        return knowledge_pb2.SearchKnowledgeBaseResponse(
            results=[
                knowledge_pb2.SearchResult(
                    text=r.text, score=r.score, citation=citation_message(r.citation)
                )
                for r in results
            ],
            attestation=verdict_message(await self.attestor.verdict()),
        )

    async def PreviewChunking(self, request, context):
        content, content_type = inline_content(request, request.content_type)
        chunks = await self.documents.preview_chunking(
            content, content_type, chunking_dict(request.chunking)
        )
        return knowledge_pb2.PreviewChunkingResponse(
            chunks=[
                knowledge_pb2.ChunkPreview(
                    index=c.index,
                    text=c.text,
                    page=c.page or 0,
                    heading_path=c.heading_path,
                    start_offset=c.start,
                    end_offset=c.end,
                    token_count=chunking.count_tokens(c.text),
                )
                for c in chunks
            ]
        )
