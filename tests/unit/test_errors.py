"""The errors interceptor: domain errors → rich status; anything else → opaque INTERNAL.

A servicer stand-in that raises is the code under test's input, served by a real grpc.aio
server with the real logging and errors interceptors.
"""

from __future__ import annotations

import asyncio
import logging

import grpc
import pytest

from privexbot.api.registry import add_service
from privexbot.app import drain
from privexbot.client import Client, error_details
from privexbot.interceptors.base import Chain
from privexbot.interceptors.errors import ErrorsInterceptor
from privexbot.interceptors.logging import LoggingInterceptor
from privexbot.kernel import errors
from privexbot.v1 import auth_pb2, auth_pb2_grpc, inference_pb2, inference_pb2_grpc

LEAK = "SELECT password_hash FROM users WHERE email = 'x' -- at /srv/app.py line 12"


class Raising(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self) -> None:
        self.error: BaseException = RuntimeError(LEAK)

    async def LogInWithEmail(self, request, context):
        raise self.error


@pytest.fixture
async def served():
    servicer = Raising()
    server = grpc.aio.server()
    chain = Chain([LoggingInterceptor(), ErrorsInterceptor()], lambda parse: parse)
    add_service(server, "auth", servicer, chain)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = Client(f"127.0.0.1:{port}", extra_metadata=(("x-request-id", "req-42"),))
    yield servicer, client
    await client.close()
    await server.stop(0)


async def call(client):
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await client.auth.LogInWithEmail(auth_pb2.LogInWithEmailRequest())
    return info.value


async def test_unexpected_errors_leak_nothing_but_the_request_id(served, caplog):
    servicer, client = served
    with caplog.at_level(logging.ERROR, logger="privexbot.kernel.errors"):
        error = await call(client)
    details = error_details(error)
    assert details.code == grpc.StatusCode.INTERNAL
    assert details.message == "internal error; quote request id req-42 to support"
    assert details.reason == "INTERNAL"
    everything = (
        repr(error.trailing_metadata())
        + repr(error.initial_metadata())
        + error.debug_error_string()
    )
    assert "SELECT" not in everything and "app.py" not in everything
    assert "req-42" in caplog.text and "SELECT password_hash" in caplog.text  # logged server-side


async def test_domain_errors_keep_their_code_reason_and_details(served):
    servicer, client = served
    servicer.error = errors.ResourceExhausted(
        "RATE_LIMITED", "slow down", {"limit": "x"}, retry_after_seconds=2.5
    )
    details = error_details(await call(client))
    assert (details.code, details.reason, details.domain) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "RATE_LIMITED",
        "privexbot.io",
    )
    assert details.metadata == {"limit": "x"} and details.retry_delay_seconds == 2.5

    servicer.error = errors.InvalidArgument.field("email", "is not an email address")
    details = error_details(await call(client))
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.field_violations == {"email": "is not an email address"}


async def test_timeouts_become_deadline_exceeded(served):
    servicer, client = served
    servicer.error = TimeoutError()
    assert error_details(await call(client)).code == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_database_errors_never_carry_the_statements_parameters(tmp_path):
    """Parameters are user input: an error's text (what the errors interceptor logs) names the
    statement but not the values."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from privexbot.store.db import create_engine

    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/p.db")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (v TEXT NOT NULL UNIQUE)"))
            await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-value-42"})
            with pytest.raises(DBAPIError) as info:
                await conn.execute(text("INSERT INTO t VALUES (:v)"), {"v": "secret-value-42"})
        assert "INSERT INTO t" in str(info.value)
        assert "secret-value-42" not in str(info.value)
    finally:
        await engine.dispose()


async def test_hundreds_of_violations_still_fit_in_the_trailers(served):
    """Found by the fuzz suite: 200 bad items made a status over gRPC's 16 KiB metadata
    limit, and the client saw RESOURCE_EXHAUSTED instead of the field violations."""
    servicer, client = served
    found = [
        errors.FieldViolation(f"messages[{i}].content\u202e\u00e9", "is required")
        for i in range(400)
    ]
    servicer.error = errors.InvalidArgument(
        "INVALID_ARGUMENT", "; ".join(f"{v.field} {v.description}" for v in found), violations=found
    )
    error = await call(client)
    details = error_details(error)
    assert details.code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(details.field_violations) == 20
    assert "messages[0].content\u202e\u00e9" in details.field_violations
    assert details.metadata == {"violation_count": "400"}
    assert len(details.message.encode()) <= 512 and details.message.endswith("…")
    assert sum(len(k) + len(v) for k, v in error.trailing_metadata()) < 8192


class Generating(inference_pb2_grpc.InferenceServiceServicer):
    """A reply stream that, once cut, takes a while to wind down (as the gateway does while
    it closes its upstream)."""

    async def StreamChatCompletion(self, request, context):
        yield inference_pb2.ChatCompletionEvent()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            await asyncio.sleep(0.6)
            raise


class Flooding(inference_pb2_grpc.InferenceServiceServicer):
    """A reply stream that never waits on anything but grpc sending its messages."""

    async def StreamChatCompletion(self, request, context):
        delta = inference_pb2.ChatCompletionEvent.Delta(text="x" * 32_768)
        while True:
            yield inference_pb2.ChatCompletionEvent(delta=delta)


@pytest.mark.parametrize(
    ("servicer", "grace"),
    [(Generating(), 0.0), (Generating(), 0.5), (Generating(), 1.2), (Flooding(), 1.2)],
)
async def test_shutdown_cuts_a_stream_with_a_reason_however_little_grace_is_left(servicer, grace):
    """Found by CI: grpc ended a stream bare ("Cancelling all calls") when the cut came
    with less than its margin left (Envoy's drain had taken the rest), or while grpc was
    sending a message (the stream never learnt it was cut)."""
    server, errors_interceptor = grpc.aio.server(), ErrorsInterceptor()
    interceptors = Chain([LoggingInterceptor(), errors_interceptor], lambda p: p)
    add_service(server, "inference", servicer, interceptors)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = Client(f"127.0.0.1:{port}")
    try:
        events = aiter(
            client.inference.StreamChatCompletion(inference_pb2.StreamChatCompletionRequest())
        )
        await anext(events)
        stopping = asyncio.ensure_future(drain(server, errors_interceptor, grace))
        with pytest.raises(grpc.aio.AioRpcError) as cut:
            async for _event in events:
                pass
        assert await stopping == 1
    finally:
        await client.close()
    details = error_details(cut.value)
    assert (details.code, details.reason) == (grpc.StatusCode.UNAVAILABLE, "SERVER_SHUTTING_DOWN")
    assert details.retry_delay_seconds >= 1
