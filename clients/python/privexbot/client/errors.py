"""Typed errors of failed calls, with the rich error model (AIP-193) they carry.

Each gRPC status code has its class (``NotFound``, ``InvalidArgument``, ...), all
``PrivexBotError``: the server's ``google.rpc.ErrorInfo`` (reason, domain, metadata),
``BadRequest`` field violations and ``RetryInfo`` delay, read from the call's status.
"""

from __future__ import annotations

from typing import ClassVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class PrivexBotError(Exception):
    """A failed call: its status code and message, and why (``reason``, e.g.
    ``RESOURCE_NOT_FOUND``); ``field_violations`` maps each bad request field to what is
    wrong with it; ``retry_delay_seconds`` is how long the server asked to wait."""

    code: ClassVar[grpc.StatusCode] = grpc.StatusCode.UNKNOWN

    def __init__(
        self,
        message: str = "",
        *,
        reason: str = "",
        domain: str = "",
        metadata: dict[str, str] | None = None,
        field_violations: dict[str, str] | None = None,
        retry_delay_seconds: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.reason, self.domain = message, reason, domain
        self.metadata = metadata or {}
        self.field_violations = field_violations or {}
        self.retry_delay_seconds = retry_delay_seconds

    def __str__(self) -> str:
        return " ".join(filter(None, (self.code.name, self.reason))) + f": {self.message}"


class Cancelled(PrivexBotError):
    code = grpc.StatusCode.CANCELLED


class Unknown(PrivexBotError):
    code = grpc.StatusCode.UNKNOWN


class InvalidArgument(PrivexBotError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(PrivexBotError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class NotFound(PrivexBotError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(PrivexBotError):
    code = grpc.StatusCode.ALREADY_EXISTS


class PermissionDenied(PrivexBotError):
    code = grpc.StatusCode.PERMISSION_DENIED


class ResourceExhausted(PrivexBotError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(PrivexBotError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class Aborted(PrivexBotError):
    code = grpc.StatusCode.ABORTED


class OutOfRange(PrivexBotError):
    code = grpc.StatusCode.OUT_OF_RANGE


class Unimplemented(PrivexBotError):
    code = grpc.StatusCode.UNIMPLEMENTED


class Internal(PrivexBotError):
    code = grpc.StatusCode.INTERNAL


class Unavailable(PrivexBotError):
    code = grpc.StatusCode.UNAVAILABLE


class DataLoss(PrivexBotError):
    code = grpc.StatusCode.DATA_LOSS


class Unauthenticated(PrivexBotError):
    code = grpc.StatusCode.UNAUTHENTICATED


_BY_CODE = {kind.code: kind for kind in PrivexBotError.__subclasses__()}


def error_details(error: grpc.RpcError) -> PrivexBotError:
    """The typed error of a failed grpc or grpc.aio call, with its status details."""
    found: dict = {}
    status = rpc_status.from_call(error)
    for detail in status.details if status else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            found.update(reason=info.reason, domain=info.domain, metadata=dict(info.metadata))
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found["field_violations"] = {v.field: v.description for v in bad.field_violations}
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            found["retry_delay_seconds"] = retry.retry_delay.ToTimedelta().total_seconds()
    return _BY_CODE.get(error.code(), Unknown)(error.details() or "", **found)
