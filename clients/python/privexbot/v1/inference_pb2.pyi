import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from privexbot.v1 import common_pb2 as _common_pb2
from privexbot.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FinishReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FINISH_REASON_UNSPECIFIED: _ClassVar[FinishReason]
    FINISH_REASON_STOP: _ClassVar[FinishReason]
    FINISH_REASON_LENGTH: _ClassVar[FinishReason]
    FINISH_REASON_CONTENT_FILTER: _ClassVar[FinishReason]
    FINISH_REASON_CANCELLED: _ClassVar[FinishReason]
    FINISH_REASON_ERROR: _ClassVar[FinishReason]
FINISH_REASON_UNSPECIFIED: FinishReason
FINISH_REASON_STOP: FinishReason
FINISH_REASON_LENGTH: FinishReason
FINISH_REASON_CONTENT_FILTER: FinishReason
FINISH_REASON_CANCELLED: FinishReason
FINISH_REASON_ERROR: FinishReason

class Model(_message.Message):
    __slots__ = ("id", "display_name", "kind", "owned_by", "context_window", "embedding_dimensions", "default")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[Model.Kind]
        KIND_CHAT: _ClassVar[Model.Kind]
        KIND_EMBEDDING: _ClassVar[Model.Kind]
    KIND_UNSPECIFIED: Model.Kind
    KIND_CHAT: Model.Kind
    KIND_EMBEDDING: Model.Kind
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OWNED_BY_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_WINDOW_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    kind: Model.Kind
    owned_by: str
    context_window: int
    embedding_dimensions: int
    default: bool
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., kind: _Optional[_Union[Model.Kind, str]] = ..., owned_by: _Optional[str] = ..., context_window: _Optional[int] = ..., embedding_dimensions: _Optional[int] = ..., default: _Optional[bool] = ...) -> None: ...

class TokenUsage(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens", "total_tokens")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ...) -> None: ...

class ChatCompletionMessage(_message.Message):
    __slots__ = ("role", "content")
    class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROLE_UNSPECIFIED: _ClassVar[ChatCompletionMessage.Role]
        ROLE_SYSTEM: _ClassVar[ChatCompletionMessage.Role]
        ROLE_USER: _ClassVar[ChatCompletionMessage.Role]
        ROLE_ASSISTANT: _ClassVar[ChatCompletionMessage.Role]
    ROLE_UNSPECIFIED: ChatCompletionMessage.Role
    ROLE_SYSTEM: ChatCompletionMessage.Role
    ROLE_USER: ChatCompletionMessage.Role
    ROLE_ASSISTANT: ChatCompletionMessage.Role
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    role: ChatCompletionMessage.Role
    content: str
    def __init__(self, role: _Optional[_Union[ChatCompletionMessage.Role, str]] = ..., content: _Optional[str] = ...) -> None: ...

class ChatCompletionEvent(_message.Message):
    __slots__ = ("delta", "usage", "finish", "attestation")
    class Delta(_message.Message):
        __slots__ = ("text",)
        TEXT_FIELD_NUMBER: _ClassVar[int]
        text: str
        def __init__(self, text: _Optional[str] = ...) -> None: ...
    class Finish(_message.Message):
        __slots__ = ("reason", "model")
        REASON_FIELD_NUMBER: _ClassVar[int]
        MODEL_FIELD_NUMBER: _ClassVar[int]
        reason: FinishReason
        model: str
        def __init__(self, reason: _Optional[_Union[FinishReason, str]] = ..., model: _Optional[str] = ...) -> None: ...
    DELTA_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    FINISH_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    delta: ChatCompletionEvent.Delta
    usage: TokenUsage
    finish: ChatCompletionEvent.Finish
    attestation: _common_pb2.AttestationVerdict
    def __init__(self, delta: _Optional[_Union[ChatCompletionEvent.Delta, _Mapping]] = ..., usage: _Optional[_Union[TokenUsage, _Mapping]] = ..., finish: _Optional[_Union[ChatCompletionEvent.Finish, _Mapping]] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ...) -> None: ...

class Attestation(_message.Message):
    __slots__ = ("verdict", "policy", "provider", "base_url", "quote", "next_check_time")
    class Policy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        POLICY_UNSPECIFIED: _ClassVar[Attestation.Policy]
        POLICY_REQUIRED: _ClassVar[Attestation.Policy]
        POLICY_OFF: _ClassVar[Attestation.Policy]
    POLICY_UNSPECIFIED: Attestation.Policy
    POLICY_REQUIRED: Attestation.Policy
    POLICY_OFF: Attestation.Policy
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    NEXT_CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    verdict: _common_pb2.AttestationVerdict
    policy: Attestation.Policy
    provider: str
    base_url: str
    quote: str
    next_check_time: _timestamp_pb2.Timestamp
    def __init__(self, verdict: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ..., policy: _Optional[_Union[Attestation.Policy, str]] = ..., provider: _Optional[str] = ..., base_url: _Optional[str] = ..., quote: _Optional[str] = ..., next_check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "next_page_token")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    next_page_token: str
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class StreamChatCompletionRequest(_message.Message):
    __slots__ = ("parent", "model", "messages", "temperature", "top_p", "max_tokens", "seed", "stop")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    TOP_P_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    parent: str
    model: str
    messages: _containers.RepeatedCompositeFieldContainer[ChatCompletionMessage]
    temperature: float
    top_p: float
    max_tokens: int
    seed: int
    stop: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parent: _Optional[str] = ..., model: _Optional[str] = ..., messages: _Optional[_Iterable[_Union[ChatCompletionMessage, _Mapping]]] = ..., temperature: _Optional[float] = ..., top_p: _Optional[float] = ..., max_tokens: _Optional[int] = ..., seed: _Optional[int] = ..., stop: _Optional[_Iterable[str]] = ...) -> None: ...

class GetAttestationRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
