"""Traces across the real parts: a Chat call that sends a ``traceparent`` is one trace from
the server's RPC span through its SQL statements, the Milvus search, the embeddings and chat
calls to the enclave, and on into the enclave's own spans (a real enclave process exporting
OTLP over HTTP to a collector in this test). An ingestion job is a trace of its own that
reaches the enclave the same way. No span says what anyone wrote."""

from __future__ import annotations

import asyncio
import secrets

import pytest
from helpers import free_port, sign_up
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from otlp_sink import Collector
from stacks import BACKENDS, start_stack, stop_stack
from test_bot import WIFI_QUESTION, chat, handbook_kb, new_bot, reply_text

from privexbot import tracing
from privexbot.client import Client

CALLER_SPAN = "b7ad6b7169203331"
MARKER = "zq7731"  # in the question: it must reach no span
QUESTION = f"{WIFI_QUESTION} (ref {MARKER})"
ANSWER_CHUNK = "rotates every 90 days"  # retrieved handbook text, sent in the prompt


@pytest.fixture(scope="module")
def collector():
    receiver = Collector()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture(scope="module")
async def traced_enclave(collector, tmp_path_factory):
    """A real enclave process of this module's own, exporting its spans to ``collector``."""
    from conftest import require_enclave_installed

    from privexbot.dev.local_enclave import LocalEnclave

    require_enclave_installed()
    local = LocalEnclave(
        f"http://127.0.0.1:{free_port()}/v1",
        "sk-traced-test-key",
        log_path=tmp_path_factory.mktemp("traced-enclave") / "enclave.log",
    )
    with pytest.MonkeyPatch.context() as env:  # the child process inherits the environment
        env.setenv("OTEL_TRACES_EXPORTER", "otlp")
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
        env.delenv("OTEL_SERVICE_NAME", raising=False)
        await local.start()
    yield local
    await local.stop()


@pytest.fixture
async def traced_stack(request, traced_enclave, tmp_path):
    """The real server with tracing on, its spans kept in memory."""
    spans = InMemorySpanExporter()
    tracing.start([SimpleSpanProcessor(spans)])
    stack = await start_stack(
        request.param,
        tmp_path,
        inference_base_url=traced_enclave.base_url,
        inference_api_key=traced_enclave.api_key,
    )
    yield stack, spans
    await stop_stack(stack)
    tracing.stop()


def ancestors(span, by_id: dict) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def said(span: dict) -> str:
    """Everything a span says: its name, attributes and events."""
    return repr((span["name"], span["attributes"], span["events"]))


def as_dict(span) -> dict:
    events = [(e.name, dict(e.attributes)) for e in span.events]
    return {"name": span.name, "attributes": dict(span.attributes), "events": events}


@pytest.mark.parametrize("traced_stack", BACKENDS, indirect=True)
async def test_one_chat_is_one_trace_from_the_rpc_to_the_enclaves_generation(
    traced_stack, traced_enclave, collector, rpc_lines
):
    stack, exporter = traced_stack
    caller_trace = secrets.token_hex(16)  # its own per backend: the collector outlives a run
    client = Client(stack.target)
    caller = Client(
        stack.target,
        extra_metadata=(
            ("traceparent", f"00-{caller_trace}-{CALLER_SPAN}-01"),
            ("x-request-id", "traced-chat"),
        ),
    )
    try:
        me = await sign_up(client, "traced")
        kb = await handbook_kb(client, me.workspace)
        bot = await new_bot(client, me.workspace, kb)
        caller.access_token = client.access_token
        events = await chat(caller, bot.name, QUESTION)
    finally:
        await client.close()
        await caller.close()
    reply = reply_text(events)

    # The server: one trace, the caller's, every span under the Chat RPC's.
    for _ in range(100):  # the RPC's span ends as its handler unwinds, just after the reply
        server = [
            s for s in exporter.get_finished_spans() if f"{s.context.trace_id:032x}" == caller_trace
        ]
        if any(s.name == "privexbot.v1.BotService/Chat" for s in server):
            break
        await asyncio.sleep(0.01)
    by_id = {s.context.span_id: s for s in server}
    (rpc,) = [s for s in server if s.name == "privexbot.v1.BotService/Chat"]
    assert (
        f"{rpc.parent.span_id:016x}" == CALLER_SPAN and rpc.attributes["rpc.grpc.status_code"] == 0
    )
    _, organization, _, workspace = me.workspace.split("/")
    assert rpc.attributes["privexbot.organization_id"] == organization
    assert rpc.attributes["privexbot.workspace_id"] == workspace
    assert all(ancestors(s, by_id)[-1:] == [rpc.name] for s in server if s is not rpc)
    names = [s.name for s in server]
    sql = [s for s in server if s.attributes.get("db.system.name") in ("sqlite", "postgresql")]
    assert len(sql) >= 3 and all(s.attributes["db.query.text"] for s in sql), names
    assert "milvus search" in names, names
    (embeddings,) = [s for s in server if s.name == "embeddings all-minilm-l6-v2"]
    (completion,) = [s for s in server if s.name == "chat smollm2-135m-instruct"]
    usage = next(e for e in events if e.HasField("usage")).usage
    assert completion.attributes["gen_ai.usage.output_tokens"] == usage.completion_tokens > 0

    # The enclave continued it: its request spans are children of the server's client spans.
    enclave = await collector.trace(
        caller_trace, {"POST /v1/chat/completions", "generation", "POST /v1/embeddings"}
    )
    assert {s["service"] for s in enclave} == {"privexbot-enclave"}
    request = next(s for s in enclave if s["name"] == "POST /v1/chat/completions")
    generation = next(s for s in enclave if s["name"] == "generation")
    embedded = next(s for s in enclave if s["name"] == "POST /v1/embeddings")
    assert request["parent"] == f"{completion.context.span_id:016x}"
    assert embedded["parent"] == f"{embeddings.context.span_id:016x}"
    assert generation["parent"] == request["span_id"]
    assert generation["attributes"]["gen_ai.usage.output_tokens"] == usage.completion_tokens
    assert request["attributes"]["http.response.status_code"] == 200

    # The Chat call's log line names the trace and the RPC's span.
    line = await rpc_lines.line("traced-chat")
    assert (line["trace_id"], line["span_id"]) == (caller_trace, f"{rpc.context.span_id:016x}")

    # The ingestion job was a trace of its own: embeddings (continued by the enclave) and
    # the Milvus upsert under it.
    (job,) = [s for s in exporter.get_finished_spans() if s.name == "knowledge.ingest"]
    job_trace = f"{job.context.trace_id:032x}"
    in_job = [
        s.name for s in exporter.get_finished_spans() if s.context.trace_id == job.context.trace_id
    ]
    assert {"milvus upsert", "embeddings all-minilm-l6-v2", "INSERT"} <= set(in_job), in_job
    await collector.trace(job_trace, {"POST /v1/embeddings"})

    # No span, the server's or the enclave's, carries what was written or credentials.
    everything = [said(as_dict(s)) for s in exporter.get_finished_spans()]
    everything += [said(s) for s in collector.spans]
    written = [MARKER, ANSWER_CHUNK, client.access_token, traced_enclave.api_key]
    if len(reply) >= 10:  # a shorter reply could be any word of a statement
        written.append(reply)
    for text in written:
        assert not [s for s in everything if text in s], text
