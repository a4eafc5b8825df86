"""InferenceService over the real server and the real enclave (real models)."""

from __future__ import annotations

import asyncio
import time

import grpc
import httpx
import pytest
from helpers import SECRETVM_TESTDATA, free_port, raises, sign_up
from sqlalchemy import func, select
from stacks import start_stack, stop_stack

from privexbot.client import Client
from privexbot.inference import gateway
from privexbot.inference.tdx import parse_quote
from privexbot.kernel.resources import Scope
from privexbot.store.models import TokenUsage
from privexbot.v1 import common_pb2, inference_pb2

USER = inference_pb2.ChatCompletionMessage.ROLE_USER
QUOTE = (SECRETVM_TESTDATA / "tdx_cpu_docker_check_quote.txt").read_text().strip()
COUNT = "Write a very long story about a dragon, with many chapters."


def completion(parent: str, prompt: str, **params) -> inference_pb2.StreamChatCompletionRequest:
    return inference_pb2.StreamChatCompletionRequest(
        parent=parent,
        messages=[inference_pb2.ChatCompletionMessage(role=USER, content=prompt)],
        **params,
    )


async def enclave_metrics(enclave) -> dict:
    async with httpx.AsyncClient(headers={"authorization": f"Bearer {enclave.api_key}"}) as client:
        return (await client.get(f"{enclave.root_url}/metrics")).json()["chat"]


@pytest.fixture
async def chat_counters(enclave):
    """Reads the enclave's chat counters over one client made up front. Making a client per
    read loads the CA bundle each time (~50 ms of blocking on a busy machine), stalling the
    event loop this test shares with the server under test, and so the very stop it times."""
    async with httpx.AsyncClient(
        base_url=enclave.root_url, headers={"authorization": f"Bearer {enclave.api_key}"}
    ) as http:

        async def read() -> dict:
            return (await http.get("/metrics")).json()["chat"]

        yield read


async def until_cancelled(chat_counters, before: dict, since: float) -> tuple[float, dict]:
    """Seconds from ``since`` until the enclave has cancelled one more generation and is idle
    (polled, given up after 3 s), and its counters then."""
    while True:
        now = await chat_counters()
        if (
            now["active_generations"] == 0
            and now["generations_cancelled"] > before["generations_cancelled"]
        ) or time.monotonic() - since > 3:
            return time.monotonic() - since, now
        await asyncio.sleep(0.01)


async def test_list_models(client):
    user = await sign_up(client)
    models = await client.inference.ListModels(
        inference_pb2.ListModelsRequest(parent=user.workspace)
    )
    kinds = {m.id: (m.kind, m.default) for m in models.models}
    assert kinds == {
        "smollm2-135m-instruct": (inference_pb2.Model.KIND_CHAT, True),
        "all-minilm-l6-v2": (inference_pb2.Model.KIND_EMBEDDING, False),
    }


async def test_stream_is_token_by_token_and_matches_the_non_streamed_text(client, enclave, stack):
    user = await sign_up(client)
    request = completion(user.workspace, "Name three colors.", temperature=0, seed=7, max_tokens=40)
    events = [e async for e in client.inference.StreamChatCompletion(request)]
    kinds = [e.WhichOneof("event") for e in events]
    assert kinds[0] == "attestation"
    assert events[0].attestation.state == common_pb2.AttestationVerdict.STATE_UNATTESTED_DEVELOPMENT
    assert "ATTESTATION=off" in events[0].attestation.reason
    deltas = [e.delta.text for e in events if e.HasField("delta")]
    assert len(deltas) >= 5
    assert kinds[-2:] == ["usage", "finish"]
    usage, finish = events[-2].usage, events[-1].finish
    assert usage.completion_tokens >= len(deltas) - 1 and usage.prompt_tokens > 0
    assert finish.model == "smollm2-135m-instruct"
    assert finish.reason in (inference_pb2.FINISH_REASON_STOP, inference_pb2.FINISH_REASON_LENGTH)
    async with httpx.AsyncClient(headers={"authorization": f"Bearer {enclave.api_key}"}) as direct:
        whole = (
            await direct.post(
                f"{enclave.base_url}/chat/completions",
                json={
                    "model": "smollm2-135m-instruct",
                    "temperature": 0,
                    "seed": 7,
                    "max_tokens": 40,
                    "messages": [{"role": "user", "content": "Name three colors."}],
                },
                timeout=60,
            )
        ).json()
    assert "".join(deltas) == whole["choices"][0]["message"]["content"]
    async with stack.running.platform.sessions() as session:
        recorded = await session.scalar(
            select(func.sum(TokenUsage.completion_tokens)).where(
                TokenUsage.workspace_id == user.workspace.split("/")[3]
            )
        )
    assert recorded == usage.completion_tokens


async def test_cancelling_the_call_stops_generation_upstream(client, chat_counters):
    user = await sign_up(client)
    before = await chat_counters()
    call = client.inference.StreamChatCompletion(completion(user.workspace, COUNT, max_tokens=1500))
    deltas = 0
    async for event in call:
        deltas += event.HasField("delta")
        if deltas == 5:
            break
    call.cancel()
    stopped_after, now = await until_cancelled(chat_counters, before, time.monotonic())
    assert now["generations_cancelled"] == before["generations_cancelled"] + 1, now
    assert stopped_after < 0.5, f"generation stopped {stopped_after:.3f}s after the cancel"


async def test_a_deadline_ends_the_stream_and_stops_generation_upstream(client, chat_counters):
    user = await sign_up(client)
    # A process's first stream pays one-time costs (the openai client's lazy imports: above
    # a second on a busy machine) that could take the deadline before any token streams.
    async for _ in client.inference.StreamChatCompletion(
        completion(user.workspace, "Hi", max_tokens=1)
    ):
        pass
    before = await chat_counters()
    deltas = 0
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for event in client.inference.StreamChatCompletion(
            completion(user.workspace, COUNT, max_tokens=1500), timeout=3.0
        ):
            deltas += event.HasField("delta")
    stopped_after, now = await until_cancelled(chat_counters, before, time.monotonic())
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert deltas > 0, "the deadline should hit while tokens stream"
    assert now["generations_cancelled"] == before["generations_cancelled"] + 1, now
    assert stopped_after < 0.5, f"generation stopped {stopped_after:.3f}s after the deadline"


async def test_a_second_cancel_during_the_upstream_close_still_stops_generation(
    stack, chat_counters
):
    """What a deadline does, made deterministic: the stream's task is cancelled twice (grpc,
    and the limits interceptor's timer), the second time while the first one's cleanup is
    closing the upstream response. httpx's close, interrupted there, would leave the
    connection open and the enclave generating."""
    inference = stack.running.platform.inference
    before = await chat_counters()
    deltas, streaming = 0, asyncio.Event()

    async def consume() -> None:
        nonlocal deltas
        async for event in inference.stream_chat(
            Scope("org", "ws"),
            [gateway.Message("user", COUNT)],
            gateway.Params("", max_tokens=1500),
        ):
            deltas += isinstance(event, gateway.Delta)
            if deltas == 5:
                streaming.set()

    task = asyncio.create_task(consume())
    async with asyncio.timeout(30):
        await streaming.wait()
    task.cancel()
    await asyncio.sleep(0)  # the first cancellation's cleanup runs up to its first await...
    task.cancel()  # ...where the second one lands
    cancelled_at = time.monotonic()
    await asyncio.wait([task])
    assert task.cancelled()
    stopped_after, now = await until_cancelled(chat_counters, before, cancelled_at)
    assert now["generations_cancelled"] == before["generations_cancelled"] + 1, now
    assert stopped_after < 0.5, f"generation stopped {stopped_after:.3f}s after the cancels"


async def test_bad_requests(client):
    user = await sign_up(client)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"messages"}):
        async for _ in client.inference.StreamChatCompletion(
            inference_pb2.StreamChatCompletionRequest(parent=user.workspace)
        ):
            pass
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"temperature", "max_tokens"}
    ):
        async for _ in client.inference.StreamChatCompletion(
            completion(user.workspace, "hi", temperature=3, max_tokens=0)
        ):
            pass
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "UNKNOWN_MODEL", {"model"}):
        async for _ in client.inference.StreamChatCompletion(
            completion(user.workspace, "hi", model="gpt-imaginary")
        ):
            pass


async def test_get_attestation_says_development_plainly(client):
    reply = await client.inference.GetAttestation(inference_pb2.GetAttestationRequest())
    assert reply.policy == inference_pb2.Attestation.POLICY_OFF
    assert reply.verdict.state == common_pb2.AttestationVerdict.STATE_UNATTESTED_DEVELOPMENT
    assert reply.quote == ""


@pytest.mark.parametrize(
    ("setting", "code", "reason"),
    [
        (
            {"inference_base_url": f"http://127.0.0.1:{free_port()}/v1"},
            grpc.StatusCode.UNAVAILABLE,
            "INFERENCE_UNAVAILABLE",
        ),
        ({"inference_api_key": "wrong-key"}, grpc.StatusCode.UNAVAILABLE, "INFERENCE_AUTH_FAILED"),
    ],
)
async def test_upstream_failures_map_to_status(tmp_path, enclave, setting, code, reason):
    stack = await start_stack(
        "sqlite",
        tmp_path,
        **{"inference_base_url": enclave.base_url, "inference_api_key": enclave.api_key, **setting},
    )
    try:
        async with Client(stack.target) as client:
            user = await sign_up(client)
            async with raises(code, reason):
                async for _ in client.inference.StreamChatCompletion(
                    completion(user.workspace, "hi")
                ):
                    pass
    finally:
        await stop_stack(stack)


async def test_attestation_required_refuses_to_send_data(tmp_path, enclave):
    parsed = parse_quote(QUOTE)
    stack = await start_stack(
        "sqlite",
        tmp_path,
        inference_base_url=enclave.base_url,
        inference_api_key=enclave.api_key,
        attestation="required",
        attestation_mrtd=parsed.mrtd,
        attestation_rtmr0=parsed.rtmrs[0],
        attestation_rtmr1=parsed.rtmrs[1],
        attestation_rtmr2=parsed.rtmrs[2],
        attestation_compose_file=str(SECRETVM_TESTDATA / "tdx_cpu_docker_check_compose.yaml"),
    )
    try:
        async with Client(stack.target) as client:
            user = await sign_up(client)
            before = await enclave_metrics(enclave)
            async with raises(grpc.StatusCode.FAILED_PRECONDITION, "ATTESTATION_FAILED") as info:
                async for _ in client.inference.StreamChatCompletion(
                    completion(user.workspace, "secret")
                ):
                    pass
            assert "not https" in info.details.message  # a plain-http endpoint has no key to bind
            assert (await enclave_metrics(enclave))["generations_started"] == before[
                "generations_started"
            ]
            verdict = (
                await client.inference.GetAttestation(inference_pb2.GetAttestationRequest())
            ).verdict
            assert verdict.state == common_pb2.AttestationVerdict.STATE_FAILED
    finally:
        await stop_stack(stack)
