"""Tracing (privexbot.tracing): off unless OTEL_TRACES_EXPORTER names an exporter, and then
nothing is recorded anywhere; on, an RPC served through the interceptor chain is a span that
continues the caller's ``traceparent``, its SQL statements are child spans without their
parameters, and log lines written inside it carry its trace and span ids."""

from __future__ import annotations

import asyncio
import io
import json
import logging

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text

from privexbot import logs, tracing
from privexbot.api.registry import add_service
from privexbot.client import Client
from privexbot.interceptors.base import Chain
from privexbot.interceptors.errors import ErrorsInterceptor
from privexbot.interceptors.logging import LoggingInterceptor
from privexbot.kernel import errors
from privexbot.store import db
from privexbot.v1 import auth_pb2, auth_pb2_grpc, bot_pb2, bot_pb2_grpc

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
SECRET = "hunter2-parameter"
METHOD = "privexbot.v1.AuthService/LogInWithEmail"


class Working(auth_pb2_grpc.AuthServiceServicer):
    """Runs a statement, logs a line and answers NOT_FOUND."""

    def __init__(self, engine) -> None:
        self.engine = engine

    async def LogInWithEmail(self, request, context):
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT :value"), {"value": SECRET})
        logging.getLogger("privexbot.test").warning("inside the handler")
        raise errors.NotFound("NO_SUCH_THING", "not here")


@pytest.fixture
def exporter():
    """Spans recorded in memory; tracing stopped afterwards whatever the test did."""
    spans = InMemorySpanExporter()
    yield spans
    tracing.stop()


@pytest.fixture
def log_lines():
    """The platform's log lines written meanwhile (not a library's: the test SMTP server in
    the same loop logs a connection whenever a mail from an earlier test's stack arrives)."""
    stream = io.StringIO()
    with logs.configured("INFO", stream):
        yield lambda: [
            line
            for line in map(json.loads, stream.getvalue().splitlines())
            if line["logger"].startswith("privexbot")
        ]


async def serve_one_call(tmp_path) -> None:
    """Serve ``Working`` through the logging and errors interceptors (the engine made as the
    platform makes it, with tracing as it is now) and call it once with a traceparent."""
    engine = db.create_engine(f"sqlite:///{tmp_path}/t.db")
    server = grpc.aio.server()
    chain = Chain([LoggingInterceptor(), ErrorsInterceptor()], lambda parse: parse)
    add_service(server, "auth", Working(engine), chain)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    traceparent = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    client = Client(f"127.0.0.1:{port}", extra_metadata=(("traceparent", traceparent),))
    try:
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await client.auth.LogInWithEmail(auth_pb2.LogInWithEmailRequest())
        assert info.value.code() == grpc.StatusCode.NOT_FOUND
    finally:
        await client.close()
        await server.stop(None)
        await engine.dispose()


def test_no_otel_exporter_setting_leaves_tracing_off():
    assert tracing.configure({}) is False and tracing.configure({"OTEL_SERVICE_NAME": "x"}) is False
    assert tracing.configure({"OTEL_TRACES_EXPORTER": "none"}) is False
    assert tracing.configure({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "true"}) is False
    assert not tracing.on and isinstance(tracing.tracer, trace.NoOpTracer)
    with pytest.raises(ValueError, match="jaeger"):
        tracing.configure({"OTEL_TRACES_EXPORTER": "otlp,jaeger"})
    assert not tracing.on


def test_the_otlp_setting_turns_tracing_on(exporter, monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "privexbot-eu-1")
    assert tracing.configure({"OTEL_TRACES_EXPORTER": "otlp"}) is True
    assert tracing.on and tracing._provider.resource.attributes["service.name"] == "privexbot-eu-1"


async def test_off_nothing_is_recorded_and_lines_carry_no_ids(exporter, log_lines, tmp_path):
    # A live tracer in place, only the switch off: any call site that ignored it would record.
    tracing.start([SimpleSpanProcessor(exporter)])
    tracing.on = False
    await serve_one_call(tmp_path)
    with tracing.root("job"), tracing.child("milvus search"):
        logging.getLogger("privexbot.test").warning("in a job")
    assert exporter.get_finished_spans() == ()
    lines = log_lines()
    assert [line["message"] for line in lines] == ["inside the handler", "rpc", "in a job"]
    assert not any("trace_id" in line or "span_id" in line for line in lines)


async def test_on_an_rpc_continues_the_callers_trace_with_sql_spans(exporter, log_lines, tmp_path):
    tracing.start([SimpleSpanProcessor(exporter)])
    await serve_one_call(tmp_path)
    spans = exporter.get_finished_spans()
    (rpc,) = [s for s in spans if s.name == METHOD]
    assert f"{rpc.context.trace_id:032x}" == CALLER_TRACE
    assert f"{rpc.parent.span_id:016x}" == CALLER_SPAN and rpc.kind == trace.SpanKind.SERVER
    assert rpc.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert rpc.attributes["rpc.method"] == "LogInWithEmail" and rpc.status.is_ok
    sql = [s for s in spans if s.attributes.get("db.system.name") == "sqlite"]
    assert [s.attributes["db.query.text"] for s in sql] == ["SELECT ?"]
    assert all(s.parent.span_id == rpc.context.span_id for s in sql)
    assert not any(SECRET in repr(dict(s.attributes)) for s in spans)

    handler_line, rpc_line = log_lines()
    ids = {"trace_id": CALLER_TRACE, "span_id": f"{rpc.context.span_id:016x}"}
    assert {key: handler_line[key] for key in ids} == ids
    assert {key: rpc_line[key] for key in ids} == ids and rpc_line["code"] == "NOT_FOUND"


async def test_on_background_work_is_traced_only_inside_a_recorded_span(exporter):
    tracing.start([SimpleSpanProcessor(exporter)])
    with tracing.child("milvus search") as orphan:
        assert orphan is None  # no RPC or job around it: no root span of its own
    with tracing.root("knowledge.ingest"), tracing.child("milvus upsert"):
        pass
    upsert, job = exporter.get_finished_spans()
    assert (job.name, upsert.name) == ("knowledge.ingest", "milvus upsert")
    assert job.parent is None and upsert.parent.span_id == job.context.span_id


class Endless(bot_pb2_grpc.BotServiceServicer):
    """Pauses between events, or (``pause`` 0) only waits on grpc sending them."""

    def __init__(self, pause: float) -> None:
        self.pause = pause

    async def Chat(self, request, context):
        delta = bot_pb2.ChatEvent.Delta(text="x" * (10 if self.pause else 32_768))
        while True:
            yield bot_pb2.ChatEvent(delta=delta)
            if self.pause:
                await asyncio.sleep(self.pause)


@pytest.mark.parametrize("pause", [0.01, 0])
async def test_a_stream_the_caller_cancels_ends_its_span_cancelled(exporter, caplog, pause):
    """Cancelled while grpc sends (pause 0), the stream is closed later by another task:
    it once logged a ValueError (the call's context var reset outside its context)."""
    tracing.start([SimpleSpanProcessor(exporter)])
    server = grpc.aio.server()
    chain = Chain([LoggingInterceptor(), ErrorsInterceptor()], lambda parse: parse)
    add_service(server, "bot", Endless(pause), chain)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = Client(f"127.0.0.1:{port}")
    try:
        with caplog.at_level(logging.ERROR):
            call = client.bot.Chat(bot_pb2.ChatRequest())
            async for _ in call:
                break
            call.cancel()
            for _ in range(200):
                if exporter.get_finished_spans():
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # a close by another task has run
    finally:
        await client.close()
        await server.stop(None)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    (span,) = exporter.get_finished_spans()
    assert span.name == "privexbot.v1.BotService/Chat"
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.CANCELLED.value[0]
    assert "detach" not in caplog.text  # the span's context left as it came, in its own task
