"""InferenceService.StreamChatCompletion through the real Envoy, the real server (each
backend) and the real enclave (real model): tokens reach a REST (SSE) or gRPC-Web client
while the model is still generating, and a client that goes away stops generation.

"Incremental" is asserted on arrival times against the enclave's own counters
(``GET /metrics``: ``tokens_generated``, and ``last_token_monotonic``, the CLOCK_MONOTONIC
time of the last sampled token, comparable with this process's ``time.monotonic()``):
when the first delta reached the client the model had made at most half of the tokens,
and the first delta arrived several per-token gaps before the last token was sampled. A
buffering hop (Envoy, the server, the relay) would deliver every delta after the last token.

Through Envoy every caller is this machine (Envoy appends its peer to X-Forwarded-For and
the server trusts only that hop), so sign-ups share one per-IP budget: one user per module.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time

import httpx
import pytest
from helpers import PASSWORD, unique_email

from privexbot.v1 import inference_pb2

from .test_envoy import GRPC_WEB, grpc_web_body

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

STORY = "Write a very long story about a dragon, with many chapters."
MAX_TOKENS = 48  # at tens of tokens/s on 2 cores: about a second of generation
KINDS = ("attestation", "delta", "usage", "finish")


@pytest.fixture(scope="module")
async def user(edge) -> dict:
    """One REST sign-up per backend: ``accessToken``, ``workspace``."""
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        reply = await client.post(
            "/v1/auth/email:signUp",
            json={"email": unique_email("stream"), "password": PASSWORD},
        )
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture
async def enclave_metrics(enclave):
    """``await enclave_metrics()``: the enclave's chat counters, now."""
    async with httpx.AsyncClient(
        headers={"authorization": f"Bearer {enclave.api_key}"}, timeout=5
    ) as client:

        async def read() -> dict:
            reply = await client.get(f"{enclave.root_url}/metrics")
            assert reply.status_code == 200, reply.text
            return reply.json()["chat"]

        yield read


def rest_body(max_tokens: int = MAX_TOKENS, prompt: str = STORY) -> dict:
    return {
        "messages": [{"role": "ROLE_USER", "content": prompt}],
        "maxTokens": max_tokens,
        "temperature": 0,
        "seed": 7,
    }


def assert_arrived_while_generating(
    arrivals: list[tuple[float, str]], before: dict, at_first: dict, after: dict
) -> None:
    """``arrivals``: (time.monotonic() on arrival, event kind) in order; the enclave's
    counters before the call, when the first delta arrived, and after the stream ended."""
    kinds = [kind for _, kind in arrivals]
    assert kinds[0] == "attestation", kinds
    assert kinds[-2:] == ["usage", "finish"], kinds
    assert set(kinds[1:-2]) == {"delta"}, kinds
    deltas = [at for at, kind in arrivals if kind == "delta"]
    assert len(deltas) >= MAX_TOKENS // 3, f"too few deltas to judge: {len(deltas)}"

    assert after["generations_completed"] == before["generations_completed"] + 1
    generated = after["tokens_generated"] - before["tokens_generated"]
    made_by_first = at_first["tokens_generated"] - before["tokens_generated"]
    assert made_by_first <= generated // 2, (
        f"the first delta arrived only after {made_by_first} of {generated} tokens were made"
    )
    # The enclave's own mean time per token, from the first delta's arrival to the end.
    per_token = (after["last_token_monotonic"] - at_first["last_token_monotonic"]) / max(
        1, after["tokens_generated"] - at_first["tokens_generated"]
    )
    first, last = deltas[0], deltas[-1]
    ahead = after["last_token_monotonic"] - first
    assert ahead >= 5 * per_token, (
        f"first delta {ahead * 1000:.1f} ms before the last token was sampled"
        f" (a token every {per_token * 1000:.1f} ms)"
    )
    assert last - first >= 5 * per_token, (
        f"deltas arrived within {(last - first) * 1000:.1f} ms: buffered, not streamed"
    )
    gaps = [b - a for a, b in zip(deltas, deltas[1:], strict=False)]
    # Most deltas come on their own, not in one burst at the end.
    assert statistics.median(gaps) > 0.2 * per_token, (statistics.median(gaps), per_token)


async def test_rest_stream_is_sse_and_arrives_while_the_model_generates(
    edge, user, enclave_metrics
):
    before = await enclave_metrics()
    arrivals, events, at_first = [], [], None
    headers = {"authorization": f"Bearer {user['accessToken']}"}
    async with (
        httpx.AsyncClient(base_url=edge, headers=headers, timeout=60) as client,
        client.stream(
            "POST", f"/v1/{user['workspace']}/chatCompletions:stream", json=rest_body()
        ) as reply,
    ):
        assert reply.status_code == 200, await reply.aread()
        assert reply.headers["content-type"] == "text/event-stream"
        async for line in reply.aiter_lines():
            now = time.monotonic()
            if not line:
                continue  # the blank line that ends an event
            assert line.startswith("data: "), line
            event = json.loads(line.removeprefix("data: "))
            (kind,) = event.keys()
            assert kind in KINDS, event
            arrivals.append((now, kind))
            events.append(event)
            if kind == "delta" and at_first is None:
                at_first = await enclave_metrics()
    after = await enclave_metrics()
    assert_arrived_while_generating(arrivals, before, at_first, after)

    assert events[0]["attestation"]["state"] == "STATE_UNATTESTED_DEVELOPMENT"
    usage, finish = events[-2]["usage"], events[-1]["finish"]
    assert usage["completionTokens"] == MAX_TOKENS and usage["promptTokens"] > 0
    assert usage["totalTokens"] == usage["promptTokens"] + usage["completionTokens"]
    assert finish == {"reason": "FINISH_REASON_LENGTH", "model": "smollm2-135m-instruct"}
    assert "".join(e["delta"]["text"] for e in events[1:-2]).strip()


def parse_frames(buffer: bytearray):
    """Pop the complete gRPC-Web frames at the start of ``buffer``: (flag, payload)."""
    while len(buffer) >= 5:
        length = int.from_bytes(buffer[1:5], "big")
        if len(buffer) < 5 + length:
            return
        flag, payload = buffer[0], bytes(buffer[5 : 5 + length])
        del buffer[: 5 + length]
        yield flag, payload


async def test_grpc_web_stream_frames_arrive_while_the_model_generates(edge, user, enclave_metrics):
    request = inference_pb2.StreamChatCompletionRequest(
        parent=user["workspace"],
        messages=[
            inference_pb2.ChatCompletionMessage(
                role=inference_pb2.ChatCompletionMessage.ROLE_USER, content=STORY
            )
        ],
        max_tokens=MAX_TOKENS,
        temperature=0,
        seed=7,
    )
    before = await enclave_metrics()
    arrivals, events, trailers, at_first = [], [], {}, None
    buffer = bytearray()
    headers = {**GRPC_WEB, "authorization": f"Bearer {user['accessToken']}"}
    async with (
        httpx.AsyncClient(base_url=edge, headers=headers, timeout=60) as client,
        client.stream(
            "POST",
            "/privexbot.v1.InferenceService/StreamChatCompletion",
            content=grpc_web_body(request),
        ) as reply,
    ):
        assert reply.status_code == 200, await reply.aread()
        assert reply.headers["content-type"].startswith("application/grpc-web")
        async for chunk in reply.aiter_bytes():
            now = time.monotonic()
            buffer += chunk
            for flag, payload in parse_frames(buffer):
                if flag & 0x80:
                    for line in payload.decode().split("\r\n"):
                        key, _, value = line.partition(":")
                        if key:
                            trailers[key.strip().lower()] = value.strip()
                    continue
                assert flag == 0, f"compressed frame (flag {flag:#x}) not expected"
                event = inference_pb2.ChatCompletionEvent.FromString(payload)
                kind = event.WhichOneof("event")
                arrivals.append((now, kind))
                events.append(event)
                if kind == "delta" and at_first is None:
                    at_first = await enclave_metrics()
    after = await enclave_metrics()
    assert not buffer, "a truncated frame at the end of the body"
    assert trailers.get("grpc-status") == "0", trailers
    assert_arrived_while_generating(arrivals, before, at_first, after)
    assert events[-2].usage.completion_tokens == MAX_TOKENS
    assert events[-1].finish.reason == inference_pb2.FINISH_REASON_LENGTH


async def test_rest_client_disconnect_stops_generation_in_the_enclave(edge, user, enclave_metrics):
    before = await enclave_metrics()
    deltas = 0
    headers = {"authorization": f"Bearer {user['accessToken']}"}
    async with httpx.AsyncClient(base_url=edge, headers=headers, timeout=60) as client:
        async with client.stream(
            "POST",
            f"/v1/{user['workspace']}/chatCompletions:stream",
            json=rest_body(max_tokens=1500),
        ) as reply:
            assert reply.status_code == 200, await reply.aread()
            async for line in reply.aiter_lines():
                deltas += line.startswith('data: {"delta"')
                if deltas == 5:
                    break
        # Leaving the block closes the half-read response, and so its connection.
        disconnected_at = time.monotonic()
        while time.monotonic() - disconnected_at < 3:
            now = await enclave_metrics()
            if (
                now["active_generations"] == 0
                and now["generations_cancelled"] > before["generations_cancelled"]
            ):
                break
            await asyncio.sleep(0.01)
    stopped_after = time.monotonic() - disconnected_at
    assert deltas == 5
    assert now["active_generations"] == 0, now
    assert now["generations_cancelled"] == before["generations_cancelled"] + 1, (before, now)
    assert now["generations_completed"] == before["generations_completed"], (before, now)
    assert stopped_after < 0.5, f"generation stopped {stopped_after:.3f}s after the disconnect"
    last_token_after = now["last_token_monotonic"] - disconnected_at
    assert last_token_after < 0.5, f"a token was sampled {last_token_after:.3f}s after it"
