"""The Prometheus exposition on the admin address: after a few calls, the counters moved."""

from __future__ import annotations

import asyncio

import grpc
import httpx
import pytest
from helpers import free_port, sign_up
from prometheus_client.parser import text_string_to_metric_families
from stacks import start_stack, stop_stack

from privexbot.client import Client
from privexbot.v1 import auth_pb2, inference_pb2, knowledge_pb2, tenant_pb2

USER = inference_pb2.ChatCompletionMessage.ROLE_USER


def scrape(address: str) -> dict[tuple[str, tuple], float]:
    text = httpx.get(f"http://{address}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def measured(tmp_path, enclave):
    address = f"127.0.0.1:{free_port()}"
    stack = await start_stack(
        "sqlite",
        tmp_path,
        metrics_address=address,
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
    )
    yield stack, address
    await stop_stack(stack)


async def test_calls_move_the_counters(measured):
    stack, address = measured
    client = Client(stack.target)
    me = await sign_up(client, "counted")
    before = scrape(address)
    get_user = "/privexbot.v1.AuthService/GetCurrentUser"
    get_workspace = "/privexbot.v1.TenantService/GetWorkspace"
    stream = "/privexbot.v1.InferenceService/StreamChatCompletion"
    for _ in range(3):
        await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    with pytest.raises(grpc.aio.AioRpcError):
        await client.tenant.GetWorkspace(
            tenant_pb2.GetWorkspaceRequest(name=me.session.workspace + "x")
        )
    request = inference_pb2.StreamChatCompletionRequest(
        parent=me.session.workspace,
        messages=[inference_pb2.ChatCompletionMessage(role=USER, content="Say hi")],
        max_tokens=8,
    )
    [_ async for _ in client.inference.StreamChatCompletion(request)]
    kb = await client.knowledge.CreateKnowledgeBase(
        knowledge_pb2.CreateKnowledgeBaseRequest(
            parent=me.session.workspace,
            knowledge_base=knowledge_pb2.KnowledgeBase(display_name="M"),
        )
    )
    document = await client.knowledge.CreateDocument(
        knowledge_pb2.CreateDocumentRequest(
            parent=kb.name,
            document=knowledge_pb2.Document(display_name="m.md", content_type="text/markdown"),
            text="# Metrics\n\nCounted when ready.\n",
        )
    )
    async with asyncio.timeout(120):
        while document.state != knowledge_pb2.Document.STATE_READY:
            await asyncio.sleep(0.1)
            document = await client.knowledge.GetDocument(
                knowledge_pb2.GetDocumentRequest(name=document.name)
            )
    await client.close()

    after = scrape(address)
    rpcs = "privexbot_rpcs_total"
    assert (
        value(after, rpcs, method=get_user, code="OK")
        - value(before, rpcs, method=get_user, code="OK")
        == 3
    )
    assert (
        value(after, rpcs, method=get_workspace, code="NOT_FOUND")
        - value(before, rpcs, method=get_workspace, code="NOT_FOUND")
        == 1
    )
    assert value(after, rpcs, method=stream, code="OK") >= 1
    duration = "privexbot_rpc_duration_seconds_count"
    assert value(after, duration, method=get_user) - value(before, duration, method=get_user) == 3
    assert value(after, "privexbot_streams_in_flight", method=stream) == 0
    model = stack.settings.inference_model
    assert value(after, "privexbot_inference_tokens_total", model=model, kind="completion") > 0
    assert value(after, "privexbot_inference_first_token_seconds_count", model=model) >= 1
    # The caches answered the repeated calls; the document's ingestion was counted.
    hits = "privexbot_cache_lookups_total"
    for cache in ("tokens", "current_user_messages"):
        moved = value(after, hits, cache=cache, result="hit") - value(
            before, hits, cache=cache, result="hit"
        )
        assert moved >= 2, cache
    jobs, lag = "privexbot_ingestion_jobs_total", "privexbot_ingestion_lag_seconds_count"
    assert value(after, jobs, state="ready") - value(before, jobs, state="ready") == 1
    assert value(after, lag) - value(before, lag) == 1
