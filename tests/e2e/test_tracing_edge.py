"""Through Envoy a call continues its caller's trace: the HTTP ``traceparent`` header reaches
the server as gRPC metadata and the RPC's span is a child of the caller's span."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from privexbot import tracing

CALLER_TRACE = "5b8efff798038103d269b633813fc60c"
CALLER_SPAN = "eee19b7ec3c1b174"


@pytest.fixture
def exporter():
    spans = InMemorySpanExporter()
    tracing.start([SimpleSpanProcessor(spans)])
    yield spans
    tracing.stop()


async def rpc_span(exporter, name: str):
    for _ in range(200):  # ended as the handler unwinds, just after the reply
        found = [s for s in exporter.get_finished_spans() if s.name == name]
        if found:
            return found[0]
        await asyncio.sleep(0.01)
    raise AssertionError(f"no span {name}")


@pytest.mark.parametrize(
    "path,headers",
    [
        ("/v1/auth/me", {}),  # REST
        ("/privexbot.v1.AuthService/GetCurrentUser", {"content-type": "application/grpc-web"}),
    ],
)
async def test_a_call_through_envoy_continues_the_callers_trace(edge, exporter, path, headers):
    traceparent = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    async with httpx.AsyncClient(base_url=edge, timeout=10) as http:
        headers = {"traceparent": traceparent, "x-forwarded-for": "198.51.100.77", **headers}
        if path.startswith("/v1/"):
            reply = await http.get(path, headers=headers)
            assert reply.status_code == 401
        else:  # an empty gRPC-Web frame: GetCurrentUserRequest{}
            reply = await http.post(path, headers=headers, content=b"\x00\x00\x00\x00\x00")
            assert reply.headers.get("grpc-status") == "16" or b"grpc-status:16" in reply.content
    span = await rpc_span(exporter, "privexbot.v1.AuthService/GetCurrentUser")
    assert f"{span.context.trace_id:032x}" == CALLER_TRACE
    assert f"{span.parent.span_id:016x}" == CALLER_SPAN
    assert span.attributes["rpc.grpc.status_code"] == 16  # UNAUTHENTICATED
