import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrganizationRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORGANIZATION_ROLE_UNSPECIFIED: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_OWNER: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_ADMIN: _ClassVar[OrganizationRole]
    ORGANIZATION_ROLE_MEMBER: _ClassVar[OrganizationRole]

class WorkspaceRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WORKSPACE_ROLE_UNSPECIFIED: _ClassVar[WorkspaceRole]
    WORKSPACE_ROLE_ADMIN: _ClassVar[WorkspaceRole]
    WORKSPACE_ROLE_EDITOR: _ClassVar[WorkspaceRole]
    WORKSPACE_ROLE_VIEWER: _ClassVar[WorkspaceRole]
    WORKSPACE_ROLE_CUSTOM: _ClassVar[WorkspaceRole]

class Plan(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_UNSPECIFIED: _ClassVar[Plan]
    PLAN_FREE: _ClassVar[Plan]
    PLAN_STARTER: _ClassVar[Plan]
    PLAN_PRO: _ClassVar[Plan]
    PLAN_ENTERPRISE: _ClassVar[Plan]

class WalletChain(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WALLET_CHAIN_UNSPECIFIED: _ClassVar[WalletChain]
    WALLET_CHAIN_EVM: _ClassVar[WalletChain]
    WALLET_CHAIN_SOLANA: _ClassVar[WalletChain]
    WALLET_CHAIN_COSMOS: _ClassVar[WalletChain]
ORGANIZATION_ROLE_UNSPECIFIED: OrganizationRole
ORGANIZATION_ROLE_OWNER: OrganizationRole
ORGANIZATION_ROLE_ADMIN: OrganizationRole
ORGANIZATION_ROLE_MEMBER: OrganizationRole
WORKSPACE_ROLE_UNSPECIFIED: WorkspaceRole
WORKSPACE_ROLE_ADMIN: WorkspaceRole
WORKSPACE_ROLE_EDITOR: WorkspaceRole
WORKSPACE_ROLE_VIEWER: WorkspaceRole
WORKSPACE_ROLE_CUSTOM: WorkspaceRole
PLAN_UNSPECIFIED: Plan
PLAN_FREE: Plan
PLAN_STARTER: Plan
PLAN_PRO: Plan
PLAN_ENTERPRISE: Plan
WALLET_CHAIN_UNSPECIFIED: WalletChain
WALLET_CHAIN_EVM: WalletChain
WALLET_CHAIN_SOLANA: WalletChain
WALLET_CHAIN_COSMOS: WalletChain

class AttestationVerdict(_message.Message):
    __slots__ = ("state", "reason", "tls_public_key_sha256", "mrtd", "rtmrs", "check_time")
    class State(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        STATE_UNSPECIFIED: _ClassVar[AttestationVerdict.State]
        STATE_ATTESTED: _ClassVar[AttestationVerdict.State]
        STATE_UNATTESTED_DEVELOPMENT: _ClassVar[AttestationVerdict.State]
        STATE_FAILED: _ClassVar[AttestationVerdict.State]
    STATE_UNSPECIFIED: AttestationVerdict.State
    STATE_ATTESTED: AttestationVerdict.State
    STATE_UNATTESTED_DEVELOPMENT: AttestationVerdict.State
    STATE_FAILED: AttestationVerdict.State
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TLS_PUBLIC_KEY_SHA256_FIELD_NUMBER: _ClassVar[int]
    MRTD_FIELD_NUMBER: _ClassVar[int]
    RTMRS_FIELD_NUMBER: _ClassVar[int]
    CHECK_TIME_FIELD_NUMBER: _ClassVar[int]
    state: AttestationVerdict.State
    reason: str
    tls_public_key_sha256: str
    mrtd: str
    rtmrs: _containers.RepeatedScalarFieldContainer[str]
    check_time: _timestamp_pb2.Timestamp
    def __init__(self, state: _Optional[_Union[AttestationVerdict.State, str]] = ..., reason: _Optional[str] = ..., tls_public_key_sha256: _Optional[str] = ..., mrtd: _Optional[str] = ..., rtmrs: _Optional[_Iterable[str]] = ..., check_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
