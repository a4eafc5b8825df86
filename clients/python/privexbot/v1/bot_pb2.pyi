import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.api import resource_pb2 as _resource_pb2
from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
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

class GroundingMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GROUNDING_MODE_UNSPECIFIED: _ClassVar[GroundingMode]
    GROUNDING_MODE_STRICT: _ClassVar[GroundingMode]
    GROUNDING_MODE_GUIDED: _ClassVar[GroundingMode]
    GROUNDING_MODE_FLEXIBLE: _ClassVar[GroundingMode]
GROUNDING_MODE_UNSPECIFIED: GroundingMode
GROUNDING_MODE_STRICT: GroundingMode
GROUNDING_MODE_GUIDED: GroundingMode
GROUNDING_MODE_FLEXIBLE: GroundingMode

class LeadCapture(_message.Message):
    __slots__ = ("mode", "require_consent", "consent_text", "fields", "email_optional")
    class Mode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        MODE_UNSPECIFIED: _ClassVar[LeadCapture.Mode]
        MODE_OFF: _ClassVar[LeadCapture.Mode]
        MODE_BEFORE_CHAT: _ClassVar[LeadCapture.Mode]
        MODE_DURING_CHAT: _ClassVar[LeadCapture.Mode]
    MODE_UNSPECIFIED: LeadCapture.Mode
    MODE_OFF: LeadCapture.Mode
    MODE_BEFORE_CHAT: LeadCapture.Mode
    MODE_DURING_CHAT: LeadCapture.Mode
    MODE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_CONSENT_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TEXT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    EMAIL_OPTIONAL_FIELD_NUMBER: _ClassVar[int]
    mode: LeadCapture.Mode
    require_consent: bool
    consent_text: str
    fields: _containers.RepeatedCompositeFieldContainer[LeadField]
    email_optional: bool
    def __init__(self, mode: _Optional[_Union[LeadCapture.Mode, str]] = ..., require_consent: _Optional[bool] = ..., consent_text: _Optional[str] = ..., fields: _Optional[_Iterable[_Union[LeadField, _Mapping]]] = ..., email_optional: _Optional[bool] = ...) -> None: ...

class LeadField(_message.Message):
    __slots__ = ("key", "label", "required")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    key: str
    label: str
    required: bool
    def __init__(self, key: _Optional[str] = ..., label: _Optional[str] = ..., required: _Optional[bool] = ...) -> None: ...

class ChatbotConfig(_message.Message):
    __slots__ = ("display_name", "description", "system_prompt", "model", "temperature", "max_tokens", "greeting", "knowledge_bases", "retrieval", "grounding_mode", "memory_window", "appearance", "allowed_origins", "lead_capture")
    class AppearanceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_PROMPT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_BASES_FIELD_NUMBER: _ClassVar[int]
    RETRIEVAL_FIELD_NUMBER: _ClassVar[int]
    GROUNDING_MODE_FIELD_NUMBER: _ClassVar[int]
    MEMORY_WINDOW_FIELD_NUMBER: _ClassVar[int]
    APPEARANCE_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ORIGINS_FIELD_NUMBER: _ClassVar[int]
    LEAD_CAPTURE_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    description: str
    system_prompt: str
    model: str
    temperature: float
    max_tokens: int
    greeting: str
    knowledge_bases: _containers.RepeatedScalarFieldContainer[str]
    retrieval: _knowledge_pb2.RetrievalSettings
    grounding_mode: GroundingMode
    memory_window: int
    appearance: _containers.ScalarMap[str, str]
    allowed_origins: _containers.RepeatedScalarFieldContainer[str]
    lead_capture: LeadCapture
    def __init__(self, display_name: _Optional[str] = ..., description: _Optional[str] = ..., system_prompt: _Optional[str] = ..., model: _Optional[str] = ..., temperature: _Optional[float] = ..., max_tokens: _Optional[int] = ..., greeting: _Optional[str] = ..., knowledge_bases: _Optional[_Iterable[str]] = ..., retrieval: _Optional[_Union[_knowledge_pb2.RetrievalSettings, _Mapping]] = ..., grounding_mode: _Optional[_Union[GroundingMode, str]] = ..., memory_window: _Optional[int] = ..., appearance: _Optional[_Mapping[str, str]] = ..., allowed_origins: _Optional[_Iterable[str]] = ..., lead_capture: _Optional[_Union[LeadCapture, _Mapping]] = ...) -> None: ...

class ChatbotDraft(_message.Message):
    __slots__ = ("name", "config", "expire_time", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    config: ChatbotConfig
    expire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., config: _Optional[_Union[ChatbotConfig, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Chatbot(_message.Message):
    __slots__ = ("name", "config", "published_version", "published_config", "publish_time", "publishable_key_prefix", "creator", "create_time", "update_time", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_CONFIG_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TIME_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_PREFIX_FIELD_NUMBER: _ClassVar[int]
    CREATOR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    config: ChatbotConfig
    published_version: int
    published_config: ChatbotConfig
    publish_time: _timestamp_pb2.Timestamp
    publishable_key_prefix: str
    creator: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., config: _Optional[_Union[ChatbotConfig, _Mapping]] = ..., published_version: _Optional[int] = ..., published_config: _Optional[_Union[ChatbotConfig, _Mapping]] = ..., publish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., publishable_key_prefix: _Optional[str] = ..., creator: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class Lead(_message.Message):
    __slots__ = ("email", "display_name", "consent", "fields")
    class FieldsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    email: str
    display_name: str
    consent: bool
    fields: _containers.ScalarMap[str, str]
    def __init__(self, email: _Optional[str] = ..., display_name: _Optional[str] = ..., consent: _Optional[bool] = ..., fields: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ("message", "rating", "comment", "create_time")
    class Rating(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        RATING_UNSPECIFIED: _ClassVar[Feedback.Rating]
        RATING_THUMBS_UP: _ClassVar[Feedback.Rating]
        RATING_THUMBS_DOWN: _ClassVar[Feedback.Rating]
    RATING_UNSPECIFIED: Feedback.Rating
    RATING_THUMBS_UP: Feedback.Rating
    RATING_THUMBS_DOWN: Feedback.Rating
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    message: str
    rating: Feedback.Rating
    comment: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, message: _Optional[str] = ..., rating: _Optional[_Union[Feedback.Rating, str]] = ..., comment: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChatMessage(_message.Message):
    __slots__ = ("name", "role", "content", "citations", "usage", "finish_reason", "incomplete", "attestation", "chatbot_version", "feedback", "create_time")
    class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROLE_UNSPECIFIED: _ClassVar[ChatMessage.Role]
        ROLE_USER: _ClassVar[ChatMessage.Role]
        ROLE_ASSISTANT: _ClassVar[ChatMessage.Role]
    ROLE_UNSPECIFIED: ChatMessage.Role
    ROLE_USER: ChatMessage.Role
    ROLE_ASSISTANT: ChatMessage.Role
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
    INCOMPLETE_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    CHATBOT_VERSION_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: ChatMessage.Role
    content: str
    citations: _containers.RepeatedCompositeFieldContainer[_knowledge_pb2.ScoredCitation]
    usage: _inference_pb2.TokenUsage
    finish_reason: _inference_pb2.FinishReason
    incomplete: bool
    attestation: _common_pb2.AttestationVerdict
    chatbot_version: int
    feedback: Feedback
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., role: _Optional[_Union[ChatMessage.Role, str]] = ..., content: _Optional[str] = ..., citations: _Optional[_Iterable[_Union[_knowledge_pb2.ScoredCitation, _Mapping]]] = ..., usage: _Optional[_Union[_inference_pb2.TokenUsage, _Mapping]] = ..., finish_reason: _Optional[_Union[_inference_pb2.FinishReason, str]] = ..., incomplete: _Optional[bool] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ..., chatbot_version: _Optional[int] = ..., feedback: _Optional[_Union[Feedback, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ChatSession(_message.Message):
    __slots__ = ("name", "visitor_id", "lead", "message_count", "create_time", "update_time", "messages", "next_message_page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    NEXT_MESSAGE_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    visitor_id: str
    lead: Lead
    message_count: int
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    messages: _containers.RepeatedCompositeFieldContainer[ChatMessage]
    next_message_page_token: str
    def __init__(self, name: _Optional[str] = ..., visitor_id: _Optional[str] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ..., message_count: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., messages: _Optional[_Iterable[_Union[ChatMessage, _Mapping]]] = ..., next_message_page_token: _Optional[str] = ...) -> None: ...

class ChatEvent(_message.Message):
    __slots__ = ("session_started", "delta", "citations", "usage", "attestation", "done")
    class SessionStarted(_message.Message):
        __slots__ = ("session",)
        SESSION_FIELD_NUMBER: _ClassVar[int]
        session: str
        def __init__(self, session: _Optional[str] = ...) -> None: ...
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
    class Done(_message.Message):
        __slots__ = ("finish_reason", "message", "incomplete")
        FINISH_REASON_FIELD_NUMBER: _ClassVar[int]
        MESSAGE_FIELD_NUMBER: _ClassVar[int]
        INCOMPLETE_FIELD_NUMBER: _ClassVar[int]
        finish_reason: _inference_pb2.FinishReason
        message: str
        incomplete: bool
        def __init__(self, finish_reason: _Optional[_Union[_inference_pb2.FinishReason, str]] = ..., message: _Optional[str] = ..., incomplete: _Optional[bool] = ...) -> None: ...
    SESSION_STARTED_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    CITATIONS_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    ATTESTATION_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    session_started: ChatEvent.SessionStarted
    delta: ChatEvent.Delta
    citations: ChatEvent.Citations
    usage: _inference_pb2.TokenUsage
    attestation: _common_pb2.AttestationVerdict
    done: ChatEvent.Done
    def __init__(self, session_started: _Optional[_Union[ChatEvent.SessionStarted, _Mapping]] = ..., delta: _Optional[_Union[ChatEvent.Delta, _Mapping]] = ..., citations: _Optional[_Union[ChatEvent.Citations, _Mapping]] = ..., usage: _Optional[_Union[_inference_pb2.TokenUsage, _Mapping]] = ..., attestation: _Optional[_Union[_common_pb2.AttestationVerdict, _Mapping]] = ..., done: _Optional[_Union[ChatEvent.Done, _Mapping]] = ...) -> None: ...

class ChatbotWidget(_message.Message):
    __slots__ = ("name", "display_name", "greeting", "appearance", "lead_capture")
    class AppearanceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    GREETING_FIELD_NUMBER: _ClassVar[int]
    APPEARANCE_FIELD_NUMBER: _ClassVar[int]
    LEAD_CAPTURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    greeting: str
    appearance: _containers.ScalarMap[str, str]
    lead_capture: LeadCapture
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., greeting: _Optional[str] = ..., appearance: _Optional[_Mapping[str, str]] = ..., lead_capture: _Optional[_Union[LeadCapture, _Mapping]] = ...) -> None: ...

class ChatbotAnalytics(_message.Message):
    __slots__ = ("name", "start_time", "end_time", "conversations", "messages", "unique_visitors", "prompt_tokens", "completion_tokens", "feedback_up", "feedback_down", "knowledge_hit_rate", "unanswered_questions", "channel_conversations")
    class ChannelConversations(_message.Message):
        __slots__ = ("channel", "conversations")
        CHANNEL_FIELD_NUMBER: _ClassVar[int]
        CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
        channel: str
        conversations: int
        def __init__(self, channel: _Optional[str] = ..., conversations: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_VISITORS_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_UP_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_DOWN_FIELD_NUMBER: _ClassVar[int]
    KNOWLEDGE_HIT_RATE_FIELD_NUMBER: _ClassVar[int]
    UNANSWERED_QUESTIONS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_CONVERSATIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    conversations: int
    messages: int
    unique_visitors: int
    prompt_tokens: int
    completion_tokens: int
    feedback_up: int
    feedback_down: int
    knowledge_hit_rate: float
    unanswered_questions: _containers.RepeatedScalarFieldContainer[str]
    channel_conversations: _containers.RepeatedCompositeFieldContainer[ChatbotAnalytics.ChannelConversations]
    def __init__(self, name: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., conversations: _Optional[int] = ..., messages: _Optional[int] = ..., unique_visitors: _Optional[int] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., feedback_up: _Optional[int] = ..., feedback_down: _Optional[int] = ..., knowledge_hit_rate: _Optional[float] = ..., unanswered_questions: _Optional[_Iterable[str]] = ..., channel_conversations: _Optional[_Iterable[_Union[ChatbotAnalytics.ChannelConversations, _Mapping]]] = ...) -> None: ...

class CreateChatbotDraftRequest(_message.Message):
    __slots__ = ("parent", "chatbot_draft", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHATBOT_DRAFT_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    chatbot_draft: ChatbotDraft
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., chatbot_draft: _Optional[_Union[ChatbotDraft, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetChatbotDraftRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateChatbotDraftRequest(_message.Message):
    __slots__ = ("chatbot_draft", "update_mask")
    CHATBOT_DRAFT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    chatbot_draft: ChatbotDraft
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, chatbot_draft: _Optional[_Union[ChatbotDraft, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class FinalizeChatbotDraftRequest(_message.Message):
    __slots__ = ("name", "request_id", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    request_id: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., request_id: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class TestChatbotDraftRequest(_message.Message):
    __slots__ = ("name", "session", "message")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    session: str
    message: str
    def __init__(self, name: _Optional[str] = ..., session: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class GetChatbotRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListChatbotsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatbotsResponse(_message.Message):
    __slots__ = ("chatbots", "next_page_token")
    CHATBOTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatbots: _containers.RepeatedCompositeFieldContainer[Chatbot]
    next_page_token: str
    def __init__(self, chatbots: _Optional[_Iterable[_Union[Chatbot, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateChatbotRequest(_message.Message):
    __slots__ = ("chatbot", "update_mask")
    CHATBOT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    chatbot: Chatbot
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, chatbot: _Optional[_Union[Chatbot, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteChatbotRequest(_message.Message):
    __slots__ = ("name", "etag", "keep_leads")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    KEEP_LEADS_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    keep_leads: bool
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ..., keep_leads: _Optional[bool] = ...) -> None: ...

class PublishChatbotRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class RotatePublishableKeyRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class RotatePublishableKeyResponse(_message.Message):
    __slots__ = ("chatbot", "publishable_key")
    CHATBOT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    chatbot: Chatbot
    publishable_key: str
    def __init__(self, chatbot: _Optional[_Union[Chatbot, _Mapping]] = ..., publishable_key: _Optional[str] = ...) -> None: ...

class ChatRequest(_message.Message):
    __slots__ = ("name", "session", "message", "visitor_id", "lead")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    name: str
    session: str
    message: str
    visitor_id: str
    lead: Lead
    def __init__(self, name: _Optional[str] = ..., session: _Optional[str] = ..., message: _Optional[str] = ..., visitor_id: _Optional[str] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ...) -> None: ...

class GetChatbotWidgetRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListChatSessionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatSessionsResponse(_message.Message):
    __slots__ = ("chat_sessions", "next_page_token")
    CHAT_SESSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chat_sessions: _containers.RepeatedCompositeFieldContainer[ChatSession]
    next_page_token: str
    def __init__(self, chat_sessions: _Optional[_Iterable[_Union[ChatSession, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetChatSessionRequest(_message.Message):
    __slots__ = ("name", "message_page_size", "message_page_token")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    message_page_size: int
    message_page_token: str
    def __init__(self, name: _Optional[str] = ..., message_page_size: _Optional[int] = ..., message_page_token: _Optional[str] = ...) -> None: ...

class SubmitFeedbackRequest(_message.Message):
    __slots__ = ("name", "rating", "comment", "visitor_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    VISITOR_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    rating: Feedback.Rating
    comment: str
    visitor_id: str
    def __init__(self, name: _Optional[str] = ..., rating: _Optional[_Union[Feedback.Rating, str]] = ..., comment: _Optional[str] = ..., visitor_id: _Optional[str] = ...) -> None: ...

class GetChatbotAnalyticsRequest(_message.Message):
    __slots__ = ("name", "start_time", "end_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Channel(_message.Message):
    __slots__ = ("name", "target", "platform", "display_name", "disabled", "credentials", "webhook_path", "create_time", "update_time", "etag")
    class Platform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        PLATFORM_UNSPECIFIED: _ClassVar[Channel.Platform]
        PLATFORM_TELEGRAM: _ClassVar[Channel.Platform]
        PLATFORM_DISCORD: _ClassVar[Channel.Platform]
        PLATFORM_SLACK: _ClassVar[Channel.Platform]
        PLATFORM_WHATSAPP: _ClassVar[Channel.Platform]
    PLATFORM_UNSPECIFIED: Channel.Platform
    PLATFORM_TELEGRAM: Channel.Platform
    PLATFORM_DISCORD: Channel.Platform
    PLATFORM_SLACK: Channel.Platform
    PLATFORM_WHATSAPP: Channel.Platform
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DISABLED_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_PATH_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    target: str
    platform: Channel.Platform
    display_name: str
    disabled: bool
    credentials: ChannelCredentials
    webhook_path: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    etag: str
    def __init__(self, name: _Optional[str] = ..., target: _Optional[str] = ..., platform: _Optional[_Union[Channel.Platform, str]] = ..., display_name: _Optional[str] = ..., disabled: _Optional[bool] = ..., credentials: _Optional[_Union[ChannelCredentials, _Mapping]] = ..., webhook_path: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., etag: _Optional[str] = ...) -> None: ...

class ChannelCredentials(_message.Message):
    __slots__ = ("bot_token", "signing_secret", "public_key", "account_id", "verify_token")
    BOT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SIGNING_SECRET_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_KEY_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bot_token: str
    signing_secret: str
    public_key: str
    account_id: str
    verify_token: str
    def __init__(self, bot_token: _Optional[str] = ..., signing_secret: _Optional[str] = ..., public_key: _Optional[str] = ..., account_id: _Optional[str] = ..., verify_token: _Optional[str] = ...) -> None: ...

class CreateChannelRequest(_message.Message):
    __slots__ = ("parent", "channel", "request_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    channel: Channel
    request_id: str
    def __init__(self, parent: _Optional[str] = ..., channel: _Optional[_Union[Channel, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetChannelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ("channels", "next_page_token")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[Channel]
    next_page_token: str
    def __init__(self, channels: _Optional[_Iterable[_Union[Channel, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateChannelRequest(_message.Message):
    __slots__ = ("channel", "update_mask")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    channel: Channel
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, channel: _Optional[_Union[Channel, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ("name", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    etag: str
    def __init__(self, name: _Optional[str] = ..., etag: _Optional[str] = ...) -> None: ...

class ReceiveChannelWebhookRequest(_message.Message):
    __slots__ = ("platform", "channel", "body", "hub")
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    HUB_FIELD_NUMBER: _ClassVar[int]
    platform: str
    channel: str
    body: _httpbody_pb2.HttpBody
    hub: WebhookVerification
    def __init__(self, platform: _Optional[str] = ..., channel: _Optional[str] = ..., body: _Optional[_Union[_httpbody_pb2.HttpBody, _Mapping]] = ..., hub: _Optional[_Union[WebhookVerification, _Mapping]] = ...) -> None: ...

class WebhookVerification(_message.Message):
    __slots__ = ("mode", "verify_token", "challenge")
    MODE_FIELD_NUMBER: _ClassVar[int]
    VERIFY_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CHALLENGE_FIELD_NUMBER: _ClassVar[int]
    mode: str
    verify_token: str
    challenge: str
    def __init__(self, mode: _Optional[str] = ..., verify_token: _Optional[str] = ..., challenge: _Optional[str] = ...) -> None: ...

class LeadRecord(_message.Message):
    __slots__ = ("session", "chatbot", "lead", "create_time", "name")
    SESSION_FIELD_NUMBER: _ClassVar[int]
    CHATBOT_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    session: str
    chatbot: str
    lead: Lead
    create_time: _timestamp_pb2.Timestamp
    name: str
    def __init__(self, session: _Optional[str] = ..., chatbot: _Optional[str] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., name: _Optional[str] = ...) -> None: ...

class GetLeadRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateLeadRequest(_message.Message):
    __slots__ = ("name", "lead", "update_mask")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEAD_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    name: str
    lead: Lead
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, name: _Optional[str] = ..., lead: _Optional[_Union[Lead, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class DeleteLeadRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class LeadFilter(_message.Message):
    __slots__ = ("chatbot", "start_time", "end_time", "email", "fields")
    class EmailPresence(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        EMAIL_PRESENCE_UNSPECIFIED: _ClassVar[LeadFilter.EmailPresence]
        EMAIL_PRESENCE_WITH_EMAIL: _ClassVar[LeadFilter.EmailPresence]
        EMAIL_PRESENCE_WITHOUT_EMAIL: _ClassVar[LeadFilter.EmailPresence]
    EMAIL_PRESENCE_UNSPECIFIED: LeadFilter.EmailPresence
    EMAIL_PRESENCE_WITH_EMAIL: LeadFilter.EmailPresence
    EMAIL_PRESENCE_WITHOUT_EMAIL: LeadFilter.EmailPresence
    CHATBOT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    chatbot: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    email: LeadFilter.EmailPresence
    fields: _containers.RepeatedCompositeFieldContainer[FieldMatch]
    def __init__(self, chatbot: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., email: _Optional[_Union[LeadFilter.EmailPresence, str]] = ..., fields: _Optional[_Iterable[_Union[FieldMatch, _Mapping]]] = ...) -> None: ...

class FieldMatch(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ListLeadsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    filter: LeadFilter
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[LeadFilter, _Mapping]] = ...) -> None: ...

class ListLeadsResponse(_message.Message):
    __slots__ = ("leads", "next_page_token", "total_size")
    LEADS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    leads: _containers.RepeatedCompositeFieldContainer[LeadRecord]
    next_page_token: str
    total_size: int
    def __init__(self, leads: _Optional[_Iterable[_Union[LeadRecord, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ...) -> None: ...

class GetLeadStatsRequest(_message.Message):
    __slots__ = ("parent", "filter")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    parent: str
    filter: LeadFilter
    def __init__(self, parent: _Optional[str] = ..., filter: _Optional[_Union[LeadFilter, _Mapping]] = ...) -> None: ...

class LeadStats(_message.Message):
    __slots__ = ("total", "with_consent", "by_chatbot", "by_day")
    class ChatbotCount(_message.Message):
        __slots__ = ("chatbot", "leads")
        CHATBOT_FIELD_NUMBER: _ClassVar[int]
        LEADS_FIELD_NUMBER: _ClassVar[int]
        chatbot: str
        leads: int
        def __init__(self, chatbot: _Optional[str] = ..., leads: _Optional[int] = ...) -> None: ...
    class DayCount(_message.Message):
        __slots__ = ("day", "leads")
        DAY_FIELD_NUMBER: _ClassVar[int]
        LEADS_FIELD_NUMBER: _ClassVar[int]
        day: str
        leads: int
        def __init__(self, day: _Optional[str] = ..., leads: _Optional[int] = ...) -> None: ...
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    WITH_CONSENT_FIELD_NUMBER: _ClassVar[int]
    BY_CHATBOT_FIELD_NUMBER: _ClassVar[int]
    BY_DAY_FIELD_NUMBER: _ClassVar[int]
    total: int
    with_consent: int
    by_chatbot: _containers.RepeatedCompositeFieldContainer[LeadStats.ChatbotCount]
    by_day: _containers.RepeatedCompositeFieldContainer[LeadStats.DayCount]
    def __init__(self, total: _Optional[int] = ..., with_consent: _Optional[int] = ..., by_chatbot: _Optional[_Iterable[_Union[LeadStats.ChatbotCount, _Mapping]]] = ..., by_day: _Optional[_Iterable[_Union[LeadStats.DayCount, _Mapping]]] = ...) -> None: ...

class ExportLeadsRequest(_message.Message):
    __slots__ = ("parent", "filter", "format")
    class Format(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        FORMAT_UNSPECIFIED: _ClassVar[ExportLeadsRequest.Format]
        FORMAT_CSV: _ClassVar[ExportLeadsRequest.Format]
        FORMAT_JSON: _ClassVar[ExportLeadsRequest.Format]
    FORMAT_UNSPECIFIED: ExportLeadsRequest.Format
    FORMAT_CSV: ExportLeadsRequest.Format
    FORMAT_JSON: ExportLeadsRequest.Format
    PARENT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    filter: LeadFilter
    format: ExportLeadsRequest.Format
    def __init__(self, parent: _Optional[str] = ..., filter: _Optional[_Union[LeadFilter, _Mapping]] = ..., format: _Optional[_Union[ExportLeadsRequest.Format, str]] = ...) -> None: ...

class ExportLeadsResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class ChatbotVersion(_message.Message):
    __slots__ = ("name", "number", "config", "publisher", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    number: int
    config: ChatbotConfig
    publisher: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., number: _Optional[int] = ..., config: _Optional[_Union[ChatbotConfig, _Mapping]] = ..., publisher: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListChatbotVersionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListChatbotVersionsResponse(_message.Message):
    __slots__ = ("chatbot_versions", "next_page_token")
    CHATBOT_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    chatbot_versions: _containers.RepeatedCompositeFieldContainer[ChatbotVersion]
    next_page_token: str
    def __init__(self, chatbot_versions: _Optional[_Iterable[_Union[ChatbotVersion, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RollbackChatbotRequest(_message.Message):
    __slots__ = ("name", "version", "etag")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ETAG_FIELD_NUMBER: _ClassVar[int]
    name: str
    version: int
    etag: str
    def __init__(self, name: _Optional[str] = ..., version: _Optional[int] = ..., etag: _Optional[str] = ...) -> None: ...
