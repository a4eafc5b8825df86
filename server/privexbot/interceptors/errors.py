"""The one place domain errors become gRPC statuses (AIP-193).

A ``DomainError`` becomes its status code with a ``google.rpc.ErrorInfo`` (reason, domain
``privexbot.io``, metadata), plus ``BadRequest`` field violations or ``RetryInfo`` where they
apply. A database that cannot be reached is a fault, not a bug: UNAVAILABLE
(DATABASE_UNAVAILABLE) with RetryInfo. Anything else is logged with its request id and
answered INTERNAL with an opaque message: no stack trace, no SQL, no exception text reaches
the client.

A response stream still running when shutdown's grace is nearly spent is cut here too:
UNAVAILABLE (SERVER_SHUTTING_DOWN) with RetryInfo, so the client knows to resume elsewhere
rather than see a bare cancellation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from privexbot import metrics
from privexbot.interceptors.base import Guard, Interceptor
from privexbot.kernel import errors
from privexbot.kernel.calls import current
from privexbot.store import db

log = logging.getLogger("privexbot.kernel.errors")
# A status travels in trailers, which gRPC clients refuse beyond 16 KiB (and may refuse
# beyond 8 KiB): a request with hundreds of bad items answers with the first violations
# (ErrorInfo metadata ``violation_count`` says how many there were) and a short message.
MAX_VIOLATIONS = 20
MAX_MESSAGE_BYTES = 512


def _short(message: str) -> str:
    raw = message.encode()
    if len(raw) <= MAX_MESSAGE_BYTES:
        return message
    return raw[: MAX_MESSAGE_BYTES - 3].decode(errors="ignore") + "…"


def to_status(exc: errors.DomainError) -> status_pb2.Status:
    status = status_pb2.Status(code=code_pb2.Code.Value(exc.code), message=_short(exc.message))
    violations = exc.violations if isinstance(exc, errors.InvalidArgument) else []
    metadata = dict(exc.metadata)
    if len(violations) > MAX_VIOLATIONS:
        metadata["violation_count"] = str(len(violations))
    details = [
        error_details_pb2.ErrorInfo(
            reason=exc.reason, domain=errors.ERROR_DOMAIN, metadata=metadata
        )
    ]
    if violations:
        details.append(
            error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in violations[:MAX_VIOLATIONS]
                ]
            )
        )
    if isinstance(exc, errors.ResourceExhausted | errors.Unavailable) and exc.retry_after_seconds:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(exc.retry_after_seconds * 1e9))
        details.append(error_details_pb2.RetryInfo(retry_delay=delay))
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return status


class _Errors(Guard):
    __slots__ = ("context",)

    def __init__(self, context) -> None:
        self.context = context

    async def __aexit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, Exception) or isinstance(exc, grpc.aio.AbortError):
            return False
        call = current()
        if db.unreachable(exc):
            metrics.DEPENDENCY_ERRORS.labels("database").inc()
            log.warning("database unreachable in %s: %s", call.method.path, type(exc).__name__)
            exc = db.unavailable()
        elif isinstance(exc, TimeoutError):
            exc = errors.DeadlineExceeded("DEADLINE_EXCEEDED", "the call ran out of time")
        if not isinstance(exc, errors.DomainError):
            log.error(
                "unhandled error in %s (request id %s)",
                call.method.path,
                call.request_id,
                exc_info=exc,
            )
            exc = errors.Internal(
                "INTERNAL", f"internal error; quote request id {call.request_id} to support"
            )
        call.code = exc.code
        status = to_status(exc)
        await self.context.abort(
            grpc.StatusCode[exc.code],
            status.message,
            trailing_metadata=(
                ("grpc-status-details-bin", status.SerializeToString()),
                ("x-request-id", call.request_id),
            ),
        )


class _StreamErrors(_Errors):
    """``_Errors`` for a response stream, which shutdown may cut (``ErrorsInterceptor.cut``).

    A cut lands where the stream waits: a cancel while it waits on its handler (the
    handler's cleanup runs, then the reason is sent); otherwise, while grpc sends a message,
    it ends before the next. A cancel that landed in grpc's send would end the call bare."""

    __slots__ = ("interceptor", "task", "pulling")

    def __init__(self, context, interceptor: ErrorsInterceptor) -> None:
        super().__init__(context)
        self.interceptor, self.task, self.pulling = interceptor, None, False

    async def __aenter__(self):
        self.task = asyncio.current_task()
        self.interceptor.streams.add(self)
        return self

    async def stream(self, iterator):
        async with contextlib.aclosing(iterator):
            while not self.interceptor.cutting:
                self.pulling = True
                try:
                    response = await anext(iterator)
                except StopAsyncIteration:
                    return
                finally:
                    self.pulling = False
                yield response
        raise _shutting_down()

    def cut(self) -> None:
        if self.pulling:
            self.task.cancel()

    async def __aexit__(self, exc_type, exc, tb):
        self.interceptor.streams.discard(self)
        if isinstance(exc, asyncio.CancelledError) and self.interceptor.cutting:
            exc = _shutting_down()
        return await super().__aexit__(type(exc), exc, tb)


def _shutting_down() -> errors.Unavailable:
    return errors.Unavailable(
        "SERVER_SHUTTING_DOWN",
        "the server is shutting down; retry the call",
        retry_after_seconds=1.0,
    )


class ErrorsInterceptor(Interceptor):
    def __init__(self) -> None:
        self.streams: set[_StreamErrors] = set()  # response streams in flight
        self.cutting = False

    def around(self, spec, request, context) -> Guard:
        return _StreamErrors(context, self) if spec.server_streaming else _Errors(context)

    def cut(self) -> int:
        """End every response stream in flight with SERVER_SHUTTING_DOWN; how many."""
        self.cutting = True
        for stream in self.streams:
            stream.cut()
        return len(self.streams)
