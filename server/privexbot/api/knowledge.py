"""KnowledgeService: unpack the request, call ``knowledge``, pack the response."""

from __future__ import annotations

from google.protobuf import empty_pb2

from privexbot.api.convert import timestamp
from privexbot.api.inference import verdict_message
from privexbot.kernel import pagination, resources
from privexbot.kernel.calls import current
from privexbot.kernel.errors import InvalidArgument
from privexbot.kernel.standard import etag
from privexbot.knowledge import service, uploads
from privexbot.store import models
from privexbot.v1 import knowledge_pb2, knowledge_pb2_grpc

STRATEGIES = {
    knowledge_pb2.ChunkingSettings.STRATEGY_RECURSIVE: "recursive",
    knowledge_pb2.ChunkingSettings.STRATEGY_HEADING: "heading",
    knowledge_pb2.ChunkingSettings.STRATEGY_PARAGRAPH: "paragraph",
    knowledge_pb2.ChunkingSettings.STRATEGY_SENTENCE: "sentence",
    knowledge_pb2.ChunkingSettings.STRATEGY_TOKEN: "token",
    knowledge_pb2.ChunkingSettings.STRATEGY_NONE: "none",
}
STRATEGY_ENUMS = {v: k for k, v in STRATEGIES.items()}
MODES = {
    knowledge_pb2.RetrievalSettings.MODE_VECTOR: "vector",
    knowledge_pb2.RetrievalSettings.MODE_KEYWORD: "keyword",
    knowledge_pb2.RetrievalSettings.MODE_HYBRID: "hybrid",
}
MODE_ENUMS = {v: k for k, v in MODES.items()}
STATES = {
    "pending": knowledge_pb2.Document.STATE_PENDING,
    "processing": knowledge_pb2.Document.STATE_PROCESSING,
    "ready": knowledge_pb2.Document.STATE_READY,
    "failed": knowledge_pb2.Document.STATE_FAILED,
    "cancelled": knowledge_pb2.Document.STATE_CANCELLED,
}
STAGES = {
    "queued": knowledge_pb2.IngestionProgress.STAGE_QUEUED,
    "parsing": knowledge_pb2.IngestionProgress.STAGE_PARSING,
    "chunking": knowledge_pb2.IngestionProgress.STAGE_CHUNKING,
    "embedding": knowledge_pb2.IngestionProgress.STAGE_EMBEDDING,
    "indexing": knowledge_pb2.IngestionProgress.STAGE_INDEXING,
    "done": knowledge_pb2.IngestionProgress.STAGE_DONE,
}


def chunking_dict(message: knowledge_pb2.ChunkingSettings) -> dict:
    values = {"strategy": STRATEGIES.get(message.strategy, "recursive")}
    for field in ("chunk_size", "chunk_overlap"):
        if message.HasField(field):
            values[field] = getattr(message, field)
    return values


def retrieval_dict(message: knowledge_pb2.RetrievalSettings) -> dict:
    values = {}
    if message.mode:
        values["mode"] = MODES[message.mode]
    for field in ("top_k", "score_threshold"):
        if message.HasField(field):
            values[field] = getattr(message, field)
    return values


def kb_message(view: service.KnowledgeBaseView) -> knowledge_pb2.KnowledgeBase:
    kb = view.kb
    return knowledge_pb2.KnowledgeBase(
        name=service.kb_name(kb),
        display_name=kb.display_name,
        description=kb.description,
        chunking=knowledge_pb2.ChunkingSettings(
            strategy=STRATEGY_ENUMS[kb.chunking["strategy"]],
            chunk_size=kb.chunking["chunk_size"],
            chunk_overlap=kb.chunking["chunk_overlap"],
        ),
        embedding_model=kb.embedding_model,
        embedding_dimensions=kb.embedding_dimensions,
        retrieval=knowledge_pb2.RetrievalSettings(
            top_k=kb.retrieval["top_k"],
            score_threshold=kb.retrieval["score_threshold"],
            mode=MODE_ENUMS[kb.retrieval["mode"]],
        ),
        document_count=view.document_count,
        chunk_count=view.chunk_count,
        size_bytes=view.size_bytes,
        create_time=timestamp(kb.created_at),
        update_time=timestamp(kb.updated_at),
        etag=etag(kb),
    )


def progress_message(doc: models.Document) -> knowledge_pb2.IngestionProgress:
    total = doc.chunks_total
    percent = 100 if doc.state == "ready" else (doc.chunks_indexed * 100 // total if total else 0)
    return knowledge_pb2.IngestionProgress(
        stage=STAGES.get(doc.stage, 0),
        chunks_total=total,
        chunks_embedded=doc.chunks_embedded,
        chunks_indexed=doc.chunks_indexed,
        percent_complete=percent,
    )


def document_message(doc: models.Document) -> knowledge_pb2.Document:
    return knowledge_pb2.Document(
        name=service.document_name(doc),
        display_name=doc.display_name,
        content_type=doc.content_type,
        labels=doc.labels,
        size_bytes=doc.size_bytes,
        content_sha256=doc.content_sha256,
        state=STATES[doc.state],
        progress=progress_message(doc),
        chunk_count=doc.chunks_total if doc.state == "ready" else 0,
        page_count=doc.page_count,
        failure_reason=doc.failure_reason,
        create_time=timestamp(doc.created_at),
        update_time=timestamp(doc.updated_at),
        ready_time=timestamp(doc.ready_at),
        etag=etag(doc),
    )


def upload_message(row: models.Upload) -> knowledge_pb2.Upload:
    return knowledge_pb2.Upload(
        name=uploads.upload_name(row),
        display_name=row.display_name,
        content_type=row.content_type,
        labels=row.labels,
        size_bytes=row.size_bytes,
        received_bytes=row.received_bytes,
        state=knowledge_pb2.Upload.STATE_FINISHED
        if row.document_id
        else knowledge_pb2.Upload.STATE_ACTIVE,
        document=f"{uploads.upload_name(row).rsplit('/uploads/', 1)[0]}/documents/{row.document_id}"
        if row.document_id
        else "",
        create_time=timestamp(row.created_at),
        expire_time=timestamp(row.expires_at),
    )


def inline_content(request, content_type: str) -> tuple[bytes, str]:
    """The bytes of a request's ``text`` or ``content`` (one of them), and their type."""
    source = request.WhichOneof("source")
    if source is None:
        raise InvalidArgument.field("text", "set text or content")
    if source == "text":
        return request.text.encode(), content_type or "text/plain"
    return request.content, content_type


def citation(result) -> knowledge_pb2.Citation:
    chunk, doc = result.chunk, result.document
    return knowledge_pb2.Citation(
        document=service.document_name(doc),
        document_display_name=doc.display_name,
        chunk_index=chunk.index,
        page=chunk.page or 0,
        heading_path=chunk.heading_path,
        start_offset=chunk.start_offset,
        end_offset=chunk.end_offset,
    )


class KnowledgeApi(knowledge_pb2_grpc.KnowledgeServiceServicer):
    def __init__(self, platform) -> None:
        self.knowledge = platform.knowledge
        self.uploads = platform.uploads
        self.attestor = platform.inference.attestor

    async def CreateKnowledgeBase(self, request, context):
        kb = request.knowledge_base
        view = await self.knowledge.create_knowledge_base(
            current().scope,
            kb.display_name,
            kb.description,
            chunking_dict(kb.chunking),
            retrieval_dict(kb.retrieval),
            kb.embedding_model,
            request.request_id,
        )
        return kb_message(view)

    async def GetKnowledgeBase(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.name)[2]
        return kb_message(await self.knowledge.get_knowledge_base(current().scope, kb_id))

    async def ListKnowledgeBases(self, request, context):
        views, token = await self.knowledge.list_knowledge_bases(
            current().scope, pagination.page_size(request.page_size), request.page_token
        )
        return knowledge_pb2.ListKnowledgeBasesResponse(
            knowledge_bases=[kb_message(v) for v in views], next_page_token=token
        )

    async def UpdateKnowledgeBase(self, request, context):
        kb = request.knowledge_base
        kb_id = resources.KNOWLEDGE_BASE.parse(kb.name, "knowledge_base.name")[2]
        values = {
            "display_name": kb.display_name,
            "description": kb.description,
            "chunking": chunking_dict(kb.chunking),
            "retrieval": retrieval_dict(kb.retrieval),
            "embedding_model": kb.embedding_model,
        }
        view = await self.knowledge.update_knowledge_base(
            current().scope, kb_id, values, list(request.update_mask.paths), kb.etag
        )
        return kb_message(view)

    async def DeleteKnowledgeBase(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.name)[2]
        await self.knowledge.delete_knowledge_base(current().scope, kb_id, request.etag)
        return empty_pb2.Empty()

    async def UploadDocument(self, request_iterator, context):
        """Client streaming: a metadata message, then the bytes in chunks. The declared type
        and size are checked on the first message; the bytes, as they arrive."""
        metadata, parts, size, limit = None, [], 0, service.parsing.MAX_DOCUMENT_BYTES
        async for message in request_iterator:
            if metadata is None:
                if message.WhichOneof("payload") != "metadata":
                    raise InvalidArgument.field("metadata", "must come first")
                metadata = message.metadata
                service.parsing.check_declared(
                    metadata.content_type, metadata.size_bytes, "metadata."
                )
                limit = metadata.size_bytes or limit
                continue
            if message.WhichOneof("payload") != "chunk":
                raise InvalidArgument.field("metadata", "may be sent only once")
            size += len(message.chunk)
            if size > limit:
                if metadata.size_bytes:
                    raise InvalidArgument.field(
                        "chunk",
                        f"more bytes arrived than metadata.size_bytes ({limit}) declared",
                        "UPLOAD_SIZE_MISMATCH",
                    )
                raise service.parsing.too_large(
                    f"the document exceeds {limit} bytes", "chunk", size_limit=True
                )
            parts.append(message.chunk)
        kb_id = resources.KNOWLEDGE_BASE.parse(metadata.parent, "metadata.parent")[2]
        if metadata.size_bytes and metadata.size_bytes != size:
            raise InvalidArgument.field(
                "metadata.size_bytes",
                f"says {metadata.size_bytes} but {size} bytes arrived",
                "UPLOAD_SIZE_MISMATCH",
            )
        doc = await self.knowledge.create_document(
            current().scope,
            kb_id,
            metadata.display_name,
            metadata.content_type,
            dict(metadata.labels),
            b"".join(parts),
            metadata.request_id,
        )
        return document_message(doc)

    async def StartUpload(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.parent, "parent")[2]
        u = request.upload
        file = uploads.Declared(u.display_name, u.content_type, dict(u.labels), u.size_bytes)
        row = await self.uploads.start(current().scope, kb_id, file, request.request_id)
        return upload_message(row)

    async def GetUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        return upload_message(await self.uploads.get(current().scope, kb_id, upload_id))

    async def AppendUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        row = await self.uploads.append(
            current().scope, kb_id, upload_id, request.offset, request.data
        )
        return upload_message(row)

    async def FinishUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        return document_message(await self.uploads.finish(current().scope, kb_id, upload_id))

    async def DeleteUpload(self, request, context):
        _, _, kb_id, upload_id = resources.UPLOAD.parse(request.name)
        await self.uploads.delete(current().scope, kb_id, upload_id)
        return empty_pb2.Empty()

    async def CreateDocument(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.parent, "parent")[2]
        content, content_type = inline_content(request, request.document.content_type)
        doc = await self.knowledge.create_document(
            current().scope,
            kb_id,
            request.document.display_name,
            content_type,
            dict(request.document.labels),
            content,
            request.request_id,
        )
        return document_message(doc)

    async def GetDocument(self, request, context):
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        return document_message(await self.knowledge.get_document(current().scope, kb_id, doc_id))

    async def ListDocuments(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.parent, "parent")[2]
        docs, token = await self.knowledge.list_documents(
            current().scope, kb_id, pagination.page_size(request.page_size), request.page_token
        )
        return knowledge_pb2.ListDocumentsResponse(
            documents=[document_message(d) for d in docs], next_page_token=token
        )

    async def DeleteDocument(self, request, context):
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        await self.knowledge.delete_document(current().scope, kb_id, doc_id, request.etag)
        return empty_pb2.Empty()

    async def CancelIngestion(self, request, context):
        _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        return document_message(
            await self.knowledge.cancel_ingestion(current().scope, kb_id, doc_id)
        )

    async def WatchIngestion(self, request, context):
        if "/documents/" in request.name:
            _, _, kb_id, doc_id = resources.DOCUMENT.parse(request.name)
        else:
            kb_id, doc_id = resources.KNOWLEDGE_BASE.parse(request.name)[2], None
        async for doc in self.knowledge.watch(current().scope, kb_id, doc_id):
            yield knowledge_pb2.IngestionEvent(
                document=service.document_name(doc),
                state=STATES[doc.state],
                progress=progress_message(doc),
                failure_reason=doc.failure_reason,
                event_time=timestamp(doc.updated_at),
            )

    async def SearchKnowledgeBase(self, request, context):
        kb_id = resources.KNOWLEDGE_BASE.parse(request.name)[2]
        documents = [resources.DOCUMENT.parse(d, "documents")[3] for d in request.documents]
        results = await self.knowledge.search(
            current().scope,
            kb_id,
            request.query,
            retrieval_dict(request.retrieval),
            documents,
            dict(request.labels),
        )
        return knowledge_pb2.SearchKnowledgeBaseResponse(
            results=[
                knowledge_pb2.SearchResult(text=r.chunk.text, score=r.score, citation=citation(r))
                for r in results
            ],
            attestation=verdict_message(await self.attestor.verdict()),
        )

    async def PreviewChunking(self, request, context):
        content, content_type = inline_content(request, request.content_type)
        chunks = await self.knowledge.preview_chunking(
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
                    token_count=service.chunking.count_tokens(c.text),
                )
                for c in chunks
            ]
        )
