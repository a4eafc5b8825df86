import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from privexbot.v1 import bot_pb2 as _bot_pb2
from privexbot.v1 import common_pb2 as _common_pb2
from privexbot.v1 import inference_pb2 as _inference_pb2
from privexbot.v1 import knowledge_pb2 as _knowledge_pb2
from privexbot.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChatflowNode(_message.Message):
    __slots__ = ("id", "type", "display_name", "config", "position", "parent_id")
    class Position(_message.Message):
        __slots__ = ("x", "y")
        X_FIELD_NUMBER: _ClassVar[int]
        Y_FIELD_NUMBER: _ClassVar[int]
        x: float
        y: float
        def __init__(self, x: _Optional[float] = ..., y: _Optional[float] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    display_name: str
    config: _struct_pb2.Struct
    position: ChatflowNode.Position
    parent_id: str
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., display_name: _Optional[str] = ..., config: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., position: _Optional[_Union[ChatflowNode.Position, _Mapping]] = ..., parent_id: _Optional[str] = ...) -> None: ...

class ChatflowEdge(_message.Message):
    __slots__ = ("id", "source", "target", "source_handle", "target_handle")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    SOURCE_HANDLE_FIELD_NUMBER: _ClassVar[int]
    TARGET_HANDLE_FIELD_NUMBER: _ClassVar[int]
    id: str
    source: str
    target: str
    source_handle: str
    target_handle: str
    def __init__(self, id: _Optional[str] = ..., source: _Optional[str] = ..., target: _Optional[str] = ..., source_handle: _Optional[str] = ..., target_handle: _Optional[str] = ...) -> None: ...

class ChatflowGraph(_message.Message):
    __slots__ = ("nodes", "edges")
    NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[ChatflowNode]
    edges: _containers.RepeatedCompositeFieldContainer[ChatflowEdge]
    def __init__(self, nodes: _Optional[_Iterable[_Union[ChatflowNode, _Mapping]]] = ..., edges: _Optional[_Iterable[_Union[ChatflowEdge, _Mapping]]] = ...) -> None: ...

class ChatflowDraft(_message.Message):
    __slots__ = ("name", "display_name", "description", "graph", "expire_time", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    graph: ChatflowGraph
    expire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., graph: _Optional[_Union[ChatflowGraph, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Chatflow(_message.Message):
    __slots__ = ("name", "display_name", "description", "graph", "creator", "create_time", "update_time", "etag", "published_version", "published_graph", "publish_time", "publishable_key_prefix", "allowed_origins")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_GRAPH_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ORIGINS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    description: str
    graph: ChatflowGraph
    creator: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    published_version: int
    published_graph: ChatflowGraph
    publish_time: _timestamp_pb2.Timestamp
    publishable_key_prefix: str
    allowed_origins: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., description: _Optional[str] = ..., graph: _Optional[_Union[ChatflowGraph, _Mapping]] = ..., creator: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ..., published_version: _Optional[int] = ..., published_graph: _Optional[_Union[ChatflowGraph, _Mapping]] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publishable_key_prefix: _Optional[str] = ..., allowed_origins: _Optional[_Iterable[str]] = ...) -> None: ...

class ChatflowVersion(_message.Message):
    __slots__ = ("name", "number", "graph", "publisher", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    number: int
    graph: ChatflowGraph
    publisher: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., number: _Optional[int] = ..., graph: _Optional[_Union[ChatflowGraph, _Mapping]] = ..., publisher: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChatflowSecret(_message.Message):
    __slots__ = ("name", "value", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    value: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., value: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ValidationIssue(_message.Message):
    __slots__ = ("severity", "node_id", "edge_id", "field", "message", "code")
    class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        SEVERITY_UNSPECIFIED: _ClassVar[ValidationIssue.Severity]
        SEVERITY_ERROR: _ClassVar[ValidationIssue.Severity]
        SEVERITY_WARNING: _ClassVar[ValidationIssue.Severity]
    SEVERITY_UNSPECIFIED: ValidationIssue.Severity
    SEVERITY_ERROR: ValidationIssue.Severity
    SEVERITY_WARNING: ValidationIssue.Severity
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    NODE_ID_FIELD_NUMBER: _ClassVar[int]
    EDGE_ID_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    severity: ValidationIssue.Severity
    node_id: str
    edge_id: str
    field: str
    message: str
    code: str
    def __init__(self, severity: _Optional[_Union[ValidationIssue.Severity, str]] = ..., node_id: _Optional[str] = ..., edge_id: _Optional[str] = ..., field: _Optional[str] = ..., message: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class ChatflowRun(_message.Message):
    __slots__ = ("name", "state", "message", "inputs", "output", "error", "node_runs", "usage", "attestation", "start_time", "end_time", "session", "version")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[ChatflowRun.State]
        STATE_RUNNING: _ClassVar[ChatflowRun.State]
        STATE_SUCCEEDED: _ClassVar[ChatflowRun.State]
        STATE_FAILED: _ClassVar[ChatflowRun.State]
        STATE_CANCELLED: _ClassVar[ChatflowRun.State]
    STATE_UNSPECIFIED: ChatflowRun.State
    STATE_RUNNING: ChatflowRun.State
    STATE_SUCCEEDED: ChatflowRun.State
    STATE_FAILED: ChatflowRun.State
    STATE_CANCELLED: ChatflowRun.State
    class NodeRun(_message.Message):
        __slots__ = ("node_id", "node_type", "state", "output", "error", "start_time", "duration", "attempts", "handle", "path")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        NODE_TYPE_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        OUTPUT_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        START_TIME_FIELD_NUMBER: _ClassVar[int]
        DURATION_FIELD_NUMBER: _ClassVar[int]
        ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
        HANDLE_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        node_type: str
        state: ChatflowRun.State
        output: _struct_pb2.Value
        error: str
        start_time: _timestamp_pb2.Timestamp
        duration: _duration_pb2.Duration
        attempts: int
        handle: str
        path: str
        def __init__(self, node_id: _Optional[str] = ..., node_type: _Optional[str] = ..., state: _Optional[_Union[ChatflowRun.State, str]] = ..., output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., attempts: _Optional[int] = ..., handle: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    NODE_RUNS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    state: ChatflowRun.State
    message: str
    inputs: _struct_pb2.Struct
    output: str
    error: str
    node_runs: _containers.RepeatedCompositeFieldContainer[ChatflowRun.NodeRun]
    usage: _inference_pb2.TokenUsage
    attestation: _common_pb2.AttestationVerdict
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    session: str
    version: int
    def __init__(self, name: _Optional[str] = ..., state: _Optional[_Union[ChatflowRun.State, str]] = ..., message: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., output: _Optional[str] = ..., error: _Optional[str] = ..., node_runs: _Optional[_Iterable[_Union[ChatflowRun.NodeRun, _Mapping]]] = ..., usage: _Optional[_Union[_inference_pb2.TokenUsage, _Mapping]] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., session: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class ChatflowEvent(_message.Message):
    __slots__ = ("run_started", "node_started", "node_finished", "delta", "citations", "usage", "attestation", "run_finished", "node_retry", "loop_round_started", "loop_round_finished")
    class RunStarted(_message.Message):
        __slots__ = ("run", "session", "version")
        RUN_FIELD_NUMBER: _ClassVar[int]
        SESSION_FIELD_NUMBER: _ClassVar[int]
        VERSION_FIELD_NUMBER: _ClassVar[int]
        run: str
        session: str
        version: int
        def __init__(self, run: _Optional[str] = ..., session: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...
    class NodeStarted(_message.Message):
        __slots__ = ("node_id", "node_type", "path")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        NODE_TYPE_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        node_type: str
        path: str
        def __init__(self, node_id: _Optional[str] = ..., node_type: _Optional[str] = ..., path: _Optional[str] = ...) -> None: ...
    class NodeFinished(_message.Message):
        __slots__ = ("node_id", "node_type", "state", "output", "error", "duration", "handle", "path", "attempts")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        NODE_TYPE_FIELD_NUMBER: _ClassVar[int]
        STATE_FIELD_NUMBER: _ClassVar[int]
        OUTPUT_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        DURATION_FIELD_NUMBER: _ClassVar[int]
        HANDLE_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        node_type: str
        state: ChatflowRun.State
        output: _struct_pb2.Value
        error: str
        duration: _duration_pb2.Duration
        handle: str
        path: str
        attempts: int
        def __init__(self, node_id: _Optional[str] = ..., node_type: _Optional[str] = ..., state: _Optional[_Union[ChatflowRun.State, str]] = ..., output: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error: _Optional[str] = ..., duration: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., handle: _Optional[str] = ..., path: _Optional[str] = ..., attempts: _Optional[int] = ...) -> None: ...
    class NodeRetry(_message.Message):
        __slots__ = ("node_id", "node_type", "attempt", "error", "delay", "path")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        NODE_TYPE_FIELD_NUMBER: _ClassVar[int]
        ATTEMPT_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        DELAY_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        node_type: str
        attempt: int
        error: str
        delay: _duration_pb2.Duration
        path: str
        def __init__(self, node_id: _Optional[str] = ..., node_type: _Optional[str] = ..., attempt: _Optional[int] = ..., error: _Optional[str] = ..., delay: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., path: _Optional[str] = ...) -> None: ...
    class LoopRoundStarted(_message.Message):
        __slots__ = ("node_id", "round", "path")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        ROUND_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        round: int
        path: str
        def __init__(self, node_id: _Optional[str] = ..., round: _Optional[int] = ..., path: _Optional[str] = ...) -> None: ...
    class LoopRoundFinished(_message.Message):
        __slots__ = ("node_id", "round", "variables", "path")
        NODE_ID_FIELD_NUMBER: _ClassVar[int]
        ROUND_FIELD_NUMBER: _ClassVar[int]
        VARIABLES_FIELD_NUMBER: _ClassVar[int]
        PATH_FIELD_NUMBER: _ClassVar[int]
        node_id: str
        round: int
        variables: _struct_pb2.Struct
        path: str
        def __init__(self, node_id: _Optional[str] = ..., round: _Optional[int] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., path: _Optional[str] = ...) -> None: ...
    class Delta(_message.Message):
        __slots__ = ("text",)
        TEXT_FIELD_NUMBER: _ClassVar[int]
        text: str
        def __init__(self, text: _Optional[str] = ...) -> None: ...
    class Citations(_message.Message):
        __slots__ = ("citations",)
        CITATIONS_FIELD_NUMBER: _ClassVar[int]
        citations: _containers.RepeatedCompositeFieldContainer[_knowledge_pb2.ScoredCitation]
        def __init__(self, citations: _Optional[_Iterable[_Union[_knowledge_pb2.ScoredCitation, _Mapping]]] = ...) -> None: ...
    class RunFinished(_message.Message):
        __slots__ = ("state", "error", "output")
        STATE_FIELD_NUMBER: _ClassVar[int]
        ERROR_FIELD_NUMBER: _ClassVar[int]
        OUTPUT_FIELD_NUMBER: _ClassVar[int]
        state: ChatflowRun.State
        error: str
        output: str
        def __init__(self, state: _Optional[_Union[ChatflowRun.State, str]] = ..., error: _Optional[str] = ..., output: _Optional[str] = ...) -> None: ...
    RUN_STARTED_FIELD_NUMBER: _ClassVar[int]
    NODE_STARTED_FIELD_NUMBER: _ClassVar[int]
    NODE_FINISHED_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    RUN_FINISHED_FIELD_NUMBER: _ClassVar[int]
    NODE_RETRY_FIELD_NUMBER: _ClassVar[int]
    LOOP_ROUND_STARTED_FIELD_NUMBER: _ClassVar[int]
    LOOP_ROUND_FINISHED_FIELD_NUMBER: _ClassVar[int]
    run_started: ChatflowEvent.RunStarted
    node_started: ChatflowEvent.NodeStarted
    node_finished: ChatflowEvent.NodeFinished
    delta: ChatflowEvent.Delta
    citations: ChatflowEvent.Citations
    usage: _inference_pb2.TokenUsage
    attestation: _common_pb2.AttestationVerdict
    run_finished: ChatflowEvent.RunFinished
    node_retry: ChatflowEvent.NodeRetry
    loop_round_started: ChatflowEvent.LoopRoundStarted
    loop_round_finished: ChatflowEvent.LoopRoundFinished
    def __init__(self, run_started: _Optional[_Union[ChatflowEvent.RunStarted, _Mapping]] = ..., node_started: _Optional[_Union[ChatflowEvent.NodeStarted, _Mapping]] = ..., node_finished: _Optional[_Union[ChatflowEvent.NodeFinished, _Mapping]] = ..., delta: _Optional[_Union[ChatflowEvent.Delta, _Mapping]] = ..., citations: _Optional[_Union[ChatflowEvent.Citations, _Mapping]] = ..., usage: _Optional[_Union[_inference_pb2.TokenUsage, _Mapping]] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ..., run_finished: _Optional[_Union[ChatflowEvent.RunFinished, _Mapping]] = ..., node_retry: _Optional[_Union[ChatflowEvent.NodeRetry, _Mapping]] = ..., loop_round_started: _Optional[_Union[ChatflowEvent.LoopRoundStarted, _Mapping]] = ..., loop_round_finished: _Optional[_Union[ChatflowEvent.LoopRoundFinished, _Mapping]] = ...) -> None: ...

class CreateChatflowDraftRequest(_message.Message):
    __slots__ = ("parent", "chatflow_draft", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHATFLOW_DRAFT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    chatflow_draft: ChatflowDraft
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., chatflow_draft: _Optional[_Union[ChatflowDraft, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetChatflowDraftRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateChatflowDraftRequest(_message.Message):
    __slots__ = ("chatflow_draft", "update_mask")
    CHATFLOW_DRAFT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    chatflow_draft: ChatflowDraft
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, chatflow_draft: _Optional[_Union[ChatflowDraft, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class FinalizeChatflowDraftRequest(_message.Message):
    __slots__ = ("name", "request_id", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class GetChatflowRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListChatflowsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatflowsResponse(_message.Message):
    __slots__ = ("chatflows", "next_page_token")
    CHATFLOWS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatflows: _containers.RepeatedCompositeFieldContainer[Chatflow]
    next_page_token: str
    def __init__(self, chatflows: _Optional[_Iterable[_Union[Chatflow, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateChatflowRequest(_message.Message):
    __slots__ = ("chatflow", "update_mask")
    CHATFLOW_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    chatflow: Chatflow
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, chatflow: _Optional[_Union[Chatflow, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteChatflowRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ValidateChatflowRequest(_message.Message):
    __slots__ = ("parent", "chatflow", "graph")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHATFLOW_FIELD_NUMBER: _ClassVar[int]
    GRAPH_FIELD_NUMBER: _ClassVar[int]
    parent: str
    chatflow: str
    graph: ChatflowGraph
    def __init__(self, parent: _Optional[str] = ..., chatflow: _Optional[str] = ..., graph: _Optional[_Union[ChatflowGraph, _Mapping]] = ...) -> None: ...

class ValidateChatflowResponse(_message.Message):
    __slots__ = ("valid", "issues")
    VALID_FIELD_NUMBER: _ClassVar[int]
    ISSUES_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    issues: _containers.RepeatedCompositeFieldContainer[ValidationIssue]
    def __init__(self, valid: _Optional[bool] = ..., issues: _Optional[_Iterable[_Union[ValidationIssue, _Mapping]]] = ...) -> None: ...

class ExecuteChatflowRequest(_message.Message):
    __slots__ = ("name", "message", "inputs", "session", "visitor_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    message: str
    inputs: _struct_pb2.Struct
    session: str
    visitor_id: str
    def __init__(self, name: _Optional[str] = ..., message: _Optional[str] = ..., inputs: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., session: _Optional[str] = ..., visitor_id: _Optional[str] = ...) -> None: ...

class ListChatflowRunsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatflowRunsResponse(_message.Message):
    __slots__ = ("chatflow_runs", "next_page_token")
    CHATFLOW_RUNS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatflow_runs: _containers.RepeatedCompositeFieldContainer[ChatflowRun]
    next_page_token: str
    def __init__(self, chatflow_runs: _Optional[_Iterable[_Union[ChatflowRun, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetChatflowRunRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class PublishChatflowRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ListChatflowVersionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatflowVersionsResponse(_message.Message):
    __slots__ = ("chatflow_versions", "next_page_token")
    CHATFLOW_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatflow_versions: _containers.RepeatedCompositeFieldContainer[ChatflowVersion]
    next_page_token: str
    def __init__(self, chatflow_versions: _Optional[_Iterable[_Union[ChatflowVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RollbackChatflowRequest(_message.Message):
    __slots__ = ("name", "version", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    etag: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., etag: _Optional[str] = ...) -> None: ...

class RotateChatflowPublishableKeyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RotateChatflowPublishableKeyResponse(_message.Message):
    __slots__ = ("chatflow", "publishable_key")
    CHATFLOW_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    chatflow: Chatflow
    publishable_key: str
    def __init__(self, chatflow: _Optional[_Union[Chatflow, _Mapping]] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class ListChatflowSessionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class GetChatflowSessionRequest(_message.Message):
    __slots__ = ("name", "message_page_size", "message_page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    message_page_size: int
    message_page_token: str
    def __init__(self, name: _Optional[str] = ..., message_page_size: _Optional[int] = ..., message_page_token: _Optional[str] = ...) -> None: ...

class SubmitChatflowFeedbackRequest(_message.Message):
    __slots__ = ("name", "rating", "comment", "visitor_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    rating: _bot_pb2.Feedback.Rating
    comment: str
    visitor_id: str
    def __init__(self, name: _Optional[str] = ..., rating: _Optional[_Union[_bot_pb2.Feedback.Rating, str]] = ..., comment: _Optional[str] = ..., visitor_id: _Optional[str] = ...) -> None: ...

class GetChatflowAnalyticsRequest(_message.Message):
    __slots__ = ("name", "start_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateChatflowSecretRequest(_message.Message):
    __slots__ = ("parent", "chatflow_secret_id", "chatflow_secret")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHATFLOW_SECRET_ID_FIELD_NUMBER: _ClassVar[int]
    CHATFLOW_SECRET_FIELD_NUMBER: _ClassVar[int]
    parent: str
    chatflow_secret_id: str
    chatflow_secret: ChatflowSecret
    def __init__(self, parent: _Optional[str] = ..., chatflow_secret_id: _Optional[str] = ..., chatflow_secret: _Optional[_Union[ChatflowSecret, _Mapping]] = ...) -> None: ...

class ListChatflowSecretsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatflowSecretsResponse(_message.Message):
    __slots__ = ("chatflow_secrets", "next_page_token")
    CHATFLOW_SECRETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatflow_secrets: _containers.RepeatedCompositeFieldContainer[ChatflowSecret]
    next_page_token: str
    def __init__(self, chatflow_secrets: _Optional[_Iterable[_Union[ChatflowSecret, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteChatflowSecretRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
