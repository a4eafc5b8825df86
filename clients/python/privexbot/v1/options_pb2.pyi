from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor
RULES_FIELD_NUMBER: _ClassVar[int]
rules: _descriptor.FieldDescriptor

class Access(_message.Message):
    __slots__ = ("public", "permission", "scope_field", "user_only", "publishable_key")
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_FIELD_NUMBER: _ClassVar[int]
    USER_ONLY_FIELD_NUMBER: _ClassVar[int]
    PUBLISHABLE_KEY_FIELD_NUMBER: _ClassVar[int]
    public: bool
    permission: str
    scope_field: str
    user_only: bool
    publishable_key: bool
    def __init__(self, public: _Optional[bool] = ..., permission: _Optional[str] = ..., scope_field: _Optional[str] = ..., user_only: _Optional[bool] = ..., publishable_key: _Optional[bool] = ...) -> None: ...

class FieldRules(_message.Message):
    __slots__ = ("required", "min_len", "max_len", "max_items", "min", "max", "pattern", "email", "permission")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    MIN_LEN_FIELD_NUMBER: _ClassVar[int]
    MAX_LEN_FIELD_NUMBER: _ClassVar[int]
    MAX_ITEMS_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PERMISSION_FIELD_NUMBER: _ClassVar[int]
    required: bool
    min_len: int
    max_len: int
    max_items: int
    min: float
    max: float
    pattern: str
    email: bool
    permission: str
    def __init__(self, required: _Optional[bool] = ..., min_len: _Optional[int] = ..., max_len: _Optional[int] = ..., max_items: _Optional[int] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., pattern: _Optional[str] = ..., email: _Optional[bool] = ..., permission: _Optional[str] = ...) -> None: ...
