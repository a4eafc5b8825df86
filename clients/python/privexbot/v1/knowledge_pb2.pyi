import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from privexbot.v1 import common_pb2 as _common_pb2
from privexbot.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChunkingSettings(_message.Message):
    __slots__ = ("strategy", "chunk_size", "chunk_overlap")
    class Strategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STRATEGY_UNSPECIFIED: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_RECURSIVE: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_HEADING: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_PARAGRAPH: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_SENTENCE: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_TOKEN: _ClassVar[ChunkingSettings.Strategy]
        STRATEGY_NONE: _ClassVar[ChunkingSettings.Strategy]
    STRATEGY_UNSPECIFIED: ChunkingSettings.Strategy
    STRATEGY_RECURSIVE: ChunkingSettings.Strategy
    STRATEGY_HEADING: ChunkingSettings.Strategy
    STRATEGY_PARAGRAPH: ChunkingSettings.Strategy
    STRATEGY_SENTENCE: ChunkingSettings.Strategy
    STRATEGY_TOKEN: ChunkingSettings.Strategy
    STRATEGY_NONE: ChunkingSettings.Strategy
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    CHUNK_SIZE_FIELD_NUMBER: _ClassVar[int]
    CHUNK_OVERLAP_FIELD_NUMBER: _ClassVar[int]
    strategy: ChunkingSettings.Strategy
    chunk_size: int
    chunk_overlap: int
    def __init__(self, strategy: _Optional[_Union[ChunkingSettings.Strategy, str]] = ..., chunk_size: _Optional[int] = ..., chunk_overlap: _Optional[int] = ...) -> None: ...

class RetrievalSettings(_message.Message):
    __slots__ = ("top_k", "score_threshold", "mode")
    class Mode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        MODE_UNSPECIFIED: _ClassVar[RetrievalSettings.Mode]
        MODE_VECTOR: _ClassVar[RetrievalSettings.Mode]
        MODE_KEYWORD: _ClassVar[RetrievalSettings.Mode]
        MODE_HYBRID: _ClassVar[RetrievalSettings.Mode]
    MODE_UNSPECIFIED: RetrievalSettings.Mode
    MODE_VECTOR: RetrievalSettings.Mode
    MODE_KEYWORD: RetrievalSettings.Mode
    MODE_HYBRID: RetrievalSettings.Mode
    TOP_K_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    top_k: int
    score_threshold: float
    mode: RetrievalSettings.Mode
    def __init__(self, top_k: _Optional[int] = ..., score_threshold: _Optional[float] = ..., mode: _Optional[_Union[RetrievalSettings.Mode, str]] = ...) -> None: ...

class KnowledgeBase(_message.Message):
    __slots__ = ("name", "display_name", "description", "chunking", "embedding_model", "embedding_dimensions", "retrieval", "document_count", "chunk_count", "size_bytes", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_MODEL_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    RETRIEVAL_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    CHUNK_COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    chunking: ChunkingSettings
    embedding_model: str
    embedding_dimensions: int
    retrieval: RetrievalSettings
    document_count: int
    chunk_count: int
    size_bytes: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., chunking: _Optional[_Union[ChunkingSettings, _Mapping]] = ..., embedding_model: _Optional[str] = ..., embedding_dimensions: _Optional[int] = ..., retrieval: _Optional[_Union[RetrievalSettings, _Mapping]] = ..., document_count: _Optional[int] = ..., chunk_count: _Optional[int] = ..., size_bytes: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class IngestionProgress(_message.Message):
    __slots__ = ("stage", "chunks_total", "chunks_embedded", "chunks_indexed", "percent_complete")
    class Stage(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STAGE_UNSPECIFIED: _ClassVar[IngestionProgress.Stage]
        STAGE_QUEUED: _ClassVar[IngestionProgress.Stage]
        STAGE_PARSING: _ClassVar[IngestionProgress.Stage]
        STAGE_CHUNKING: _ClassVar[IngestionProgress.Stage]
        STAGE_EMBEDDING: _ClassVar[IngestionProgress.Stage]
        STAGE_INDEXING: _ClassVar[IngestionProgress.Stage]
        STAGE_DONE: _ClassVar[IngestionProgress.Stage]
    STAGE_UNSPECIFIED: IngestionProgress.Stage
    STAGE_QUEUED: IngestionProgress.Stage
    STAGE_PARSING: IngestionProgress.Stage
    STAGE_CHUNKING: IngestionProgress.Stage
    STAGE_EMBEDDING: IngestionProgress.Stage
    STAGE_INDEXING: IngestionProgress.Stage
    STAGE_DONE: IngestionProgress.Stage
    STAGE_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_EMBEDDED_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_INDEXED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    stage: IngestionProgress.Stage
    chunks_total: int
    chunks_embedded: int
    chunks_indexed: int
    percent_complete: int
    def __init__(self, stage: _Optional[_Union[IngestionProgress.Stage, str]] = ..., chunks_total: _Optional[int] = ..., chunks_embedded: _Optional[int] = ..., chunks_indexed: _Optional[int] = ..., percent_complete: _Optional[int] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("name", "display_name", "content_type", "labels", "size_bytes", "content_sha256", "state", "progress", "chunk_count", "page_count", "failure_reason", "create_time", "update_time", "ready_time", "etag", "source_url", "website_source")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Document.State]
        STATE_PENDING: _ClassVar[Document.State]
        STATE_PROCESSING: _ClassVar[Document.State]
        STATE_READY: _ClassVar[Document.State]
        STATE_FAILED: _ClassVar[Document.State]
        STATE_CANCELLED: _ClassVar[Document.State]
    STATE_UNSPECIFIED: Document.State
    STATE_PENDING: Document.State
    STATE_PROCESSING: Document.State
    STATE_READY: Document.State
    STATE_FAILED: Document.State
    STATE_CANCELLED: Document.State
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CHUNK_COUNT_FIELD_NUMBER: _ClassVar[int]
    PAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    READY_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URL_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    content_type: str
    labels: _containers.ScalarMap[str, str]
    size_bytes: int
    content_sha256: str
    state: Document.State
    progress: IngestionProgress
    chunk_count: int
    page_count: int
    failure_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    ready_time: _timestamp_pb2.Timestamp
    etag: str
    source_url: str
    website_source: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., content_type: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., size_bytes: _Optional[int] = ..., content_sha256: _Optional[str] = ..., state: _Optional[_Union[Document.State, str]] = ..., progress: _Optional[_Union[IngestionProgress, _Mapping]] = ..., chunk_count: _Optional[int] = ..., page_count: _Optional[int] = ..., failure_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ready_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., source_url: _Optional[str] = ..., website_source: _Optional[str] = ...) -> None: ...

class Citation(_message.Message):
    __slots__ = ("document", "document_display_name", "chunk_index", "page", "heading_path", "start_offset", "end_offset", "source_url")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CHUNK_INDEX_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    HEADING_PATH_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_URL_FIELD_NUMBER: _ClassVar[int]
    document: str
    document_display_name: str
    chunk_index: int
    page: int
    heading_path: _containers.RepeatedScalarFieldContainer[str]
    start_offset: int
    end_offset: int
    source_url: str
    def __init__(self, document: _Optional[str] = ..., document_display_name: _Optional[str] = ..., chunk_index: _Optional[int] = ..., page: _Optional[int] = ..., heading_path: _Optional[_Iterable[str]] = ..., start_offset: _Optional[int] = ..., end_offset: _Optional[int] = ..., source_url: _Optional[str] = ...) -> None: ...

class ScoredCitation(_message.Message):
    __slots__ = ("citation", "score")
    CITATION_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    citation: Citation
    score: float
    def __init__(self, citation: _Optional[_Union[Citation, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class SearchResult(_message.Message):
    __slots__ = ("text", "score", "citation")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CITATION_FIELD_NUMBER: _ClassVar[int]
    text: str
    score: float
    citation: Citation
    def __init__(self, text: _Optional[str] = ..., score: _Optional[float] = ..., citation: _Optional[_Union[Citation, _Mapping]] = ...) -> None: ...

class ChunkPreview(_message.Message):
    __slots__ = ("index", "text", "page", "heading_path", "start_offset", "end_offset", "token_count")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    HEADING_PATH_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    END_OFFSET_FIELD_NUMBER: _ClassVar[int]
    TOKEN_COUNT_FIELD_NUMBER: _ClassVar[int]
    index: int
    text: str
    page: int
    heading_path: _containers.RepeatedScalarFieldContainer[str]
    start_offset: int
    end_offset: int
    token_count: int
    def __init__(self, index: _Optional[int] = ..., text: _Optional[str] = ..., page: _Optional[int] = ..., heading_path: _Optional[_Iterable[str]] = ..., start_offset: _Optional[int] = ..., end_offset: _Optional[int] = ..., token_count: _Optional[int] = ...) -> None: ...

class IngestionEvent(_message.Message):
    __slots__ = ("document", "state", "progress", "failure_reason", "event_time")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    document: str
    state: Document.State
    progress: IngestionProgress
    failure_reason: str
    event_time: _timestamp_pb2.Timestamp
    def __init__(self, document: _Optional[str] = ..., state: _Optional[_Union[Document.State, str]] = ..., progress: _Optional[_Union[IngestionProgress, _Mapping]] = ..., failure_reason: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateKnowledgeBaseRequest(_message.Message):
    __slots__ = ("parent", "knowledge_base", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_BASE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    knowledge_base: KnowledgeBase
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., knowledge_base: _Optional[_Union[KnowledgeBase, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetKnowledgeBaseRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListKnowledgeBasesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListKnowledgeBasesResponse(_message.Message):
    __slots__ = ("knowledge_bases", "next_page_token")
    KNOWLEDGE_BASES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    knowledge_bases: _containers.RepeatedCompositeFieldContainer[KnowledgeBase]
    next_page_token: str
    def __init__(self, knowledge_bases: _Optional[_Iterable[_Union[KnowledgeBase, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateKnowledgeBaseRequest(_message.Message):
    __slots__ = ("knowledge_base", "update_mask")
    KNOWLEDGE_BASE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    knowledge_base: KnowledgeBase
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, knowledge_base: _Optional[_Union[KnowledgeBase, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteKnowledgeBaseRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class UploadDocumentRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    class Metadata(_message.Message):
        __slots__ = ("parent", "display_name", "content_type", "labels", "size_bytes", "request_id")
        class LabelsEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: str
            def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
        PARENT_FIELD_NUMBER: _ClassVar[int]
        DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
        CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
        LABELS_FIELD_NUMBER: _ClassVar[int]
        SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
        REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
        parent: str
        display_name: str
        content_type: str
        labels: _containers.ScalarMap[str, str]
        size_bytes: int
        request_id: str
        def __init__(self, parent: _Optional[str] = ..., display_name: _Optional[str] = ..., content_type: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., size_bytes: _Optional[int] = ..., request_id: _Optional[str] = ...) -> None: ...
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadDocumentRequest.Metadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[UploadDocumentRequest.Metadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDocumentsRequest(_message.Message):
    __slots__ = ("metadata", "chunk")
    METADATA_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    metadata: UploadDocumentRequest.Metadata
    chunk: bytes
    def __init__(self, metadata: _Optional[_Union[UploadDocumentRequest.Metadata, _Mapping]] = ..., chunk: _Optional[bytes] = ...) -> None: ...

class UploadDocumentsResponse(_message.Message):
    __slots__ = ("results",)
    class Result(_message.Message):
        __slots__ = ("display_name", "document", "error")
        DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
        DOCUMENT_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        display_name: str
        document: Document
        error: _status_pb2.Status
        def __init__(self, display_name: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ...) -> None: ...
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[UploadDocumentsResponse.Result]
    def __init__(self, results: _Optional[_Iterable[_Union[UploadDocumentsResponse.Result, _Mapping]]] = ...) -> None: ...

class Upload(_message.Message):
    __slots__ = ("name", "display_name", "content_type", "labels", "size_bytes", "received_bytes", "state", "document", "create_time", "expire_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[Upload.State]
        STATE_ACTIVE: _ClassVar[Upload.State]
        STATE_FINISHED: _ClassVar[Upload.State]
    STATE_UNSPECIFIED: Upload.State
    STATE_ACTIVE: Upload.State
    STATE_FINISHED: Upload.State
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_BYTES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    content_type: str
    labels: _containers.ScalarMap[str, str]
    size_bytes: int
    received_bytes: int
    state: Upload.State
    document: str
    create_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., content_type: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., size_bytes: _Optional[int] = ..., received_bytes: _Optional[int] = ..., state: _Optional[_Union[Upload.State, str]] = ..., document: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class StartUploadRequest(_message.Message):
    __slots__ = ("parent", "upload", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    UPLOAD_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    upload: Upload
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., upload: _Optional[_Union[Upload, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetUploadRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class AppendUploadRequest(_message.Message):
    __slots__ = ("name", "offset", "data")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    offset: int
    data: bytes
    def __init__(self, name: _Optional[str] = ..., offset: _Optional[int] = ..., data: _Optional[bytes] = ...) -> None: ...

class FinishUploadRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteUploadRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateDocumentRequest(_message.Message):
    __slots__ = ("parent", "document", "text", "content", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    document: Document
    text: str
    content: bytes
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., text: _Optional[str] = ..., content: _Optional[bytes] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetDocumentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListDocumentsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDocumentsResponse(_message.Message):
    __slots__ = ("documents", "next_page_token")
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    documents: _containers.RepeatedCompositeFieldContainer[Document]
    next_page_token: str
    def __init__(self, documents: _Optional[_Iterable[_Union[Document, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListChunksRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChunksResponse(_message.Message):
    __slots__ = ("chunks", "next_page_token")
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chunks: _containers.RepeatedCompositeFieldContainer[DocumentChunk]
    next_page_token: str
    def __init__(self, chunks: _Optional[_Iterable[_Union[DocumentChunk, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DocumentChunk(_message.Message):
    __slots__ = ("text", "citation")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CITATION_FIELD_NUMBER: _ClassVar[int]
    text: str
    citation: Citation
    def __init__(self, text: _Optional[str] = ..., citation: _Optional[_Union[Citation, _Mapping]] = ...) -> None: ...

class UpdateDocumentRequest(_message.Message):
    __slots__ = ("document", "update_mask", "text", "content")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    document: Document
    update_mask: _field_mask_pb2.FieldMask
    text: str
    content: bytes
    def __init__(self, document: _Optional[_Union[Document, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., text: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class DeleteDocumentRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class CancelIngestionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ReindexDocumentRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchIngestionRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SearchKnowledgeBaseRequest(_message.Message):
    __slots__ = ("name", "query", "retrieval", "documents", "labels")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    RETRIEVAL_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    name: str
    query: str
    retrieval: RetrievalSettings
    documents: _containers.RepeatedScalarFieldContainer[str]
    labels: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., query: _Optional[str] = ..., retrieval: _Optional[_Union[RetrievalSettings, _Mapping]] = ..., documents: _Optional[_Iterable[str]] = ..., labels: _Optional[_Mapping[str, str]] = ...) -> None: ...

class SearchKnowledgeBaseResponse(_message.Message):
    __slots__ = ("results", "attestation")
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[SearchResult]
    attestation: _common_pb2.AttestationVerdict
    def __init__(self, results: _Optional[_Iterable[_Union[SearchResult, _Mapping]]] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ...) -> None: ...

class PreviewChunkingRequest(_message.Message):
    __slots__ = ("parent", "text", "content", "content_type", "chunking")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHUNKING_FIELD_NUMBER: _ClassVar[int]
    parent: str
    text: str
    content: bytes
    content_type: str
    chunking: ChunkingSettings
    def __init__(self, parent: _Optional[str] = ..., text: _Optional[str] = ..., content: _Optional[bytes] = ..., content_type: _Optional[str] = ..., chunking: _Optional[_Union[ChunkingSettings, _Mapping]] = ...) -> None: ...

class PreviewChunkingResponse(_message.Message):
    __slots__ = ("chunks",)
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    chunks: _containers.RepeatedCompositeFieldContainer[ChunkPreview]
    def __init__(self, chunks: _Optional[_Iterable[_Union[ChunkPreview, _Mapping]]] = ...) -> None: ...

class WebsiteSource(_message.Message):
    __slots__ = ("name", "start_url", "sitemap", "include_patterns", "exclude_patterns", "max_pages", "max_depth", "sync_interval_hours", "labels", "state", "progress", "page_failures", "failure_reason", "create_time", "update_time", "last_sync_time", "next_sync_time", "etag")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[WebsiteSource.State]
        STATE_PENDING: _ClassVar[WebsiteSource.State]
        STATE_SYNCING: _ClassVar[WebsiteSource.State]
        STATE_READY: _ClassVar[WebsiteSource.State]
        STATE_FAILED: _ClassVar[WebsiteSource.State]
    STATE_UNSPECIFIED: WebsiteSource.State
    STATE_PENDING: WebsiteSource.State
    STATE_SYNCING: WebsiteSource.State
    STATE_READY: WebsiteSource.State
    STATE_FAILED: WebsiteSource.State
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_URL_FIELD_NUMBER: _ClassVar[int]
    SITEMAP_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    MAX_PAGES_FIELD_NUMBER: _ClassVar[int]
    MAX_DEPTH_FIELD_NUMBER: _ClassVar[int]
    SYNC_INTERVAL_HOURS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FAILURES_FIELD_NUMBER: _ClassVar[int]
    FAILURE_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_SYNC_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_url: str
    sitemap: bool
    include_patterns: _containers.RepeatedScalarFieldContainer[str]
    exclude_patterns: _containers.RepeatedScalarFieldContainer[str]
    max_pages: int
    max_depth: int
    sync_interval_hours: int
    labels: _containers.ScalarMap[str, str]
    state: WebsiteSource.State
    progress: WebsiteSyncProgress
    page_failures: _containers.RepeatedCompositeFieldContainer[PageFailure]
    failure_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    last_sync_time: _timestamp_pb2.Timestamp
    next_sync_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., start_url: _Optional[str] = ..., sitemap: _Optional[bool] = ..., include_patterns: _Optional[_Iterable[str]] = ..., exclude_patterns: _Optional[_Iterable[str]] = ..., max_pages: _Optional[int] = ..., max_depth: _Optional[int] = ..., sync_interval_hours: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[WebsiteSource.State, str]] = ..., progress: _Optional[_Union[WebsiteSyncProgress, _Mapping]] = ..., page_failures: _Optional[_Iterable[_Union[PageFailure, _Mapping]]] = ..., failure_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_sync_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class WebsiteSyncProgress(_message.Message):
    __slots__ = ("pages_found", "pages_fetched", "pages_failed", "pages_added", "pages_updated", "pages_unchanged", "pages_removed")
    PAGES_FOUND_FIELD_NUMBER: _ClassVar[int]
    PAGES_FETCHED_FIELD_NUMBER: _ClassVar[int]
    PAGES_FAILED_FIELD_NUMBER: _ClassVar[int]
    PAGES_ADDED_FIELD_NUMBER: _ClassVar[int]
    PAGES_UPDATED_FIELD_NUMBER: _ClassVar[int]
    PAGES_UNCHANGED_FIELD_NUMBER: _ClassVar[int]
    PAGES_REMOVED_FIELD_NUMBER: _ClassVar[int]
    pages_found: int
    pages_fetched: int
    pages_failed: int
    pages_added: int
    pages_updated: int
    pages_unchanged: int
    pages_removed: int
    def __init__(self, pages_found: _Optional[int] = ..., pages_fetched: _Optional[int] = ..., pages_failed: _Optional[int] = ..., pages_added: _Optional[int] = ..., pages_updated: _Optional[int] = ..., pages_unchanged: _Optional[int] = ..., pages_removed: _Optional[int] = ...) -> None: ...

class PageFailure(_message.Message):
    __slots__ = ("url", "reason")
    URL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    url: str
    reason: str
    def __init__(self, url: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CreateWebsiteSourceRequest(_message.Message):
    __slots__ = ("parent", "website_source", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WEBSITE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    website_source: WebsiteSource
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., website_source: _Optional[_Union[WebsiteSource, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetWebsiteSourceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListWebsiteSourcesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWebsiteSourcesResponse(_message.Message):
    __slots__ = ("website_sources", "next_page_token")
    WEBSITE_SOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    website_sources: _containers.RepeatedCompositeFieldContainer[WebsiteSource]
    next_page_token: str
    def __init__(self, website_sources: _Optional[_Iterable[_Union[WebsiteSource, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchWebsiteSourceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class SyncWebsiteSourceRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteWebsiteSourceRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...
