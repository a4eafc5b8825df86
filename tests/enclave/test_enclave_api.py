"""The enclave's HTTP API against the REAL process and the REAL models (SmolLM2-135M, MiniLM)."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import time

import httpx
import pytest

from .conftest import Enclave

pytestmark = pytest.mark.enclave

CHAT = "smollm2-135m-instruct"
EMBED = "all-minilm-l6-v2"
STORY = [{"role": "user", "content": "Write a long story about a robot who learns to paint."}]


async def read_sse(response: httpx.Response) -> list[tuple[float, str]]:
    """(arrival time, data payload) for every SSE event."""
    events = []
    async for line in response.aiter_lines():
        if line.startswith("data: "):
            events.append((time.perf_counter(), line[len("data: ") :]))
    return events


async def stream_chat(
    client: httpx.AsyncClient, body: dict
) -> tuple[float, list[tuple[float, str]]]:
    start = time.perf_counter()
    async with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
        assert r.status_code == 200, await r.aread()
        assert r.headers["content-type"].startswith("text/event-stream")
        return start, await read_sse(r)


async def metrics(client: httpx.AsyncClient) -> dict:
    r = await client.get("/metrics")
    assert r.status_code == 200
    return r.json()["chat"]


def assert_openai_error(r: httpx.Response, status: int, param: str | None = None) -> dict:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert isinstance(err["message"], str) and err["message"]
    if param is not None:
        assert err["param"] == param
    return err


# -- health, auth, models ------------------------------------------------------------------


async def test_health_needs_no_key(enclave: Enclave):
    async with httpx.AsyncClient(base_url=enclave.base_url) as c:
        for path in ("/health", "/healthz"):
            r = await c.get(path)
            assert r.status_code == 200
            body = r.json()
            assert body["status"] == "ok"
            assert body["models"] == {CHAT: True, EMBED: True}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer"},
    ],
    ids=["no-key", "wrong-key", "wrong-scheme", "empty-key"],
)
@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/models"),
        ("POST", "/v1/chat/completions"),
        ("POST", "/v1/embeddings"),
        ("GET", "/metrics"),
    ],
)
async def test_bad_or_missing_key_is_refused(enclave: Enclave, headers, method, path):
    async with httpx.AsyncClient(base_url=enclave.base_url, headers=headers) as c:
        r = await c.request(method, path, json={"model": CHAT, "messages": STORY})
    err = assert_openai_error(r, 401)
    assert err["code"] in ("invalid_api_key", "missing_api_key")
    assert enclave.api_key not in r.text


async def test_models_lists_both(enclave: Enclave):
    async with enclave.client() as c:
        r = await c.get("/v1/models")
    assert r.status_code == 200
    body = r.json()
    assert body["object"] == "list"
    assert {m["id"] for m in body["data"]} == {CHAT, EMBED}
    assert all(m["object"] == "model" for m in body["data"])


# -- chat: streaming, determinism, incrementality -------------------------------------------


async def test_stream_equals_non_stream_at_temperature_zero(enclave: Enclave):
    body = {"model": CHAT, "messages": STORY, "temperature": 0, "seed": 7, "max_tokens": 48}
    async with enclave.client(timeout=60) as c:
        r = await c.post("/v1/chat/completions", json=body)
        assert r.status_code == 200, r.text
        full = r.json()
        start, events = await stream_chat(c, body)

    assert full["object"] == "chat.completion"
    choice = full["choices"][0]
    assert choice["message"]["role"] == "assistant"
    text = choice["message"]["content"]
    assert text.strip()
    assert choice["finish_reason"] in ("stop", "length")
    usage = full["usage"]
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]

    assert events[-1][1] == "[DONE]"
    chunks = [json.loads(data) for _, data in events[:-1]]
    assert all(ch["object"] == "chat.completion.chunk" for ch in chunks)
    assert len({ch["id"] for ch in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"].get("role") == "assistant"
    deltas = [ch["choices"][0]["delta"].get("content") or "" for ch in chunks]
    content_chunks = [d for d in deltas if d]
    # token by token: many small deltas, not one blob
    assert len(content_chunks) >= 10, content_chunks
    assert "".join(deltas) == text

    last = chunks[-1]
    assert last["choices"][0]["finish_reason"] == choice["finish_reason"]
    assert last["usage"] == usage
    assert all(ch["choices"][0]["finish_reason"] is None for ch in chunks[:-1])


async def test_same_seed_gives_same_text_when_sampling(enclave: Enclave):
    body = {"model": CHAT, "messages": STORY, "temperature": 0.9, "seed": 1234, "max_tokens": 24}
    async with enclave.client(timeout=60) as c:
        texts = []
        for _ in range(2):
            r = await c.post("/v1/chat/completions", json=body)
            texts.append(r.json()["choices"][0]["message"]["content"])
        _, events = await stream_chat(c, body)
        other = await c.post("/v1/chat/completions", json={**body, "seed": 99})
    streamed = "".join(
        json.loads(d)["choices"][0]["delta"].get("content") or "" for _, d in events[:-1]
    )
    assert texts[0] == texts[1] == streamed
    assert other.json()["choices"][0]["message"]["content"] != texts[0]


async def test_first_token_arrives_before_generation_ends(enclave: Enclave):
    body = {"model": CHAT, "messages": STORY, "temperature": 0, "max_tokens": 64}
    async with enclave.client(timeout=60) as c:
        start, events = await stream_chat(c, body)
    times = [
        t for t, data in events[:-1] if (json.loads(data)["choices"][0]["delta"].get("content"))
    ]
    assert len(times) >= 20
    ttft, last = times[0] - start, times[-1] - start
    print(
        f"\nTTFT {ttft * 1000:.0f} ms, last token {last * 1000:.0f} ms, "
        f"{len(times)} deltas, {len(times) / (last - ttft):.1f} deltas/s after the first"
    )
    # The first token is on the wire long before the last one is generated.
    assert ttft < last / 3
    assert last - ttft > 0.3
    # ... and deltas keep arriving spread out over time (not buffered and flushed at the end)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert sorted(gaps)[len(gaps) // 2] > 0.002


async def test_openai_client_streams_and_matches(enclave: Enclave):
    openai = pytest.importorskip("openai")
    client = openai.AsyncOpenAI(base_url=enclave.base_url + "/v1", api_key=enclave.api_key)
    try:
        kw = {"model": CHAT, "messages": STORY, "temperature": 0, "seed": 3, "max_tokens": 32}
        full = await client.chat.completions.create(**kw)
        stream = await client.chat.completions.create(
            **kw, stream=True, stream_options={"include_usage": True}
        )
        parts, usage, finish = [], None, None
        async for chunk in stream:
            if chunk.choices:
                parts.append(chunk.choices[0].delta.content or "")
                finish = chunk.choices[0].finish_reason or finish
            usage = chunk.usage or usage
        assert "".join(parts) == full.choices[0].message.content
        assert finish == full.choices[0].finish_reason
        assert usage is not None and usage.completion_tokens == full.usage.completion_tokens
        models = await client.models.list()
        assert {m.id for m in models.data} == {CHAT, EMBED}
        with pytest.raises(openai.AuthenticationError):
            bad = openai.AsyncOpenAI(base_url=enclave.base_url + "/v1", api_key="nope")
            await bad.models.list()
    finally:
        await client.close()


async def test_stop_sequence_and_max_tokens(enclave: Enclave):
    body = {"model": CHAT, "messages": STORY, "temperature": 0, "max_tokens": 48}
    async with enclave.client(timeout=60) as c:
        text = (await c.post("/v1/chat/completions", json=body)).json()["choices"][0]["message"][
            "content"
        ]
        words = text.split()
        assert len(words) > 4
        stop = words[3]
        r = await c.post("/v1/chat/completions", json={**body, "stop": [stop]})
        out = r.json()["choices"][0]
        assert out["finish_reason"] == "stop"
        assert stop not in out["message"]["content"]
        assert text.startswith(out["message"]["content"])
        r = await c.post("/v1/chat/completions", json={**body, "max_tokens": 5})
        assert r.json()["usage"]["completion_tokens"] == 5
        assert r.json()["choices"][0]["finish_reason"] == "length"


# -- cancellation ---------------------------------------------------------------------------


async def test_disconnect_mid_stream_stops_generation(enclave: Enclave):
    body = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "Count from 1 to 2000, one number per line."}],
        "temperature": 0,
        "max_tokens": 1500,
        "stream": True,
    }
    async with enclave.client(timeout=30) as mc:
        before = await metrics(mc)
        async with enclave.client(timeout=30) as c:
            async with c.stream("POST", "/v1/chat/completions", json=body) as r:
                assert r.status_code == 200
                n = 0
                async for line in r.aiter_lines():
                    if (
                        line.startswith("data: ")
                        and '"content":"' in line
                        and '"content":""' not in line
                    ):
                        n += 1
                        if n >= 10:
                            # leaving the loop (and the contexts) closes the connection
                            t_disconnect = time.monotonic()
                            break

        samples = []
        deadline = t_disconnect + 3.0
        while time.monotonic() < deadline:
            m = await metrics(mc)
            samples.append((time.monotonic(), m))
            if (
                m["active_generations"] == 0
                and m["generations_cancelled"] > before["generations_cancelled"]
            ):
                break
            await asyncio.sleep(0.01)
        after = samples[-1][1]
        assert after["generations_cancelled"] == before["generations_cancelled"] + 1, after
        assert after["active_generations"] == 0

        # The token counter stops: the last token was sampled within 500 ms of the disconnect,
        # and nothing more is generated afterwards.
        last_token_vs_disconnect = after["last_token_monotonic"] - t_disconnect  # < 0: before
        stop_latency = max(0.0, last_token_vs_disconnect)
        await asyncio.sleep(0.5)
        later = await metrics(mc)
        print(
            f"\nlast token sampled {last_token_vs_disconnect * 1000:+.1f} ms from the disconnect "
            f"(seen idle after {(samples[-1][0] - t_disconnect) * 1000:.0f} ms); "
            f"{after['tokens_generated'] - before['tokens_generated']} tokens of 1500 generated"
        )
        assert stop_latency < 0.5
        assert later["tokens_generated"] == after["tokens_generated"]
        assert after["tokens_generated"] - before["tokens_generated"] < 200

        # The model is free again at once: a new request is served promptly.
        t0 = time.perf_counter()
        r = await mc.post(
            "/v1/chat/completions", json={"model": CHAT, "messages": STORY, "max_tokens": 4}
        )
        assert r.status_code == 200
        assert time.perf_counter() - t0 < 5


async def test_disconnect_during_prompt_prefill_stops_before_any_token(enclave: Enclave):
    """A long prompt takes seconds to prefill on 2 cores; leaving during it stops it too."""
    body = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "Summarize: " + "the quick brown fox " * 300}],
        "max_tokens": 64,
        "stream": True,
    }
    async with enclave.client(timeout=30) as mc:
        before = await metrics(mc)
        async with enclave.client(timeout=30) as c:
            async with c.stream("POST", "/v1/chat/completions", json=body) as r:
                assert r.status_code == 200
                # Keep the iterator referenced: dropping an unfinished httpx iterator closes the
                # connection, and here we want to stay connected for a while first.
                lines = r.aiter_lines()
                assert (await anext(lines)).startswith("data: ")  # the role chunk
                await asyncio.sleep(0.3)
                m = await metrics(mc)
                assert m["active_generations"] == 1  # prefilling
                assert m["tokens_generated"] == before["tokens_generated"]
        t_disconnect = time.monotonic()
        while time.monotonic() - t_disconnect < 5:
            m = await metrics(mc)
            if m["active_generations"] == 0:
                break
            await asyncio.sleep(0.01)
        idle_after = time.monotonic() - t_disconnect
        print(f"\nprefill abandoned; worker idle {idle_after * 1000:.0f} ms after the disconnect")
        assert m["generations_cancelled"] == before["generations_cancelled"] + 1
        assert m["tokens_generated"] == before["tokens_generated"]  # no token was sampled
        assert idle_after < 0.5


async def test_non_streaming_request_cancelled_when_client_gives_up(enclave: Enclave):
    body = {
        "model": CHAT,
        "messages": [{"role": "user", "content": "Count from 1 to 2000, one number per line."}],
        "temperature": 0,
        "max_tokens": 1500,
    }
    async with enclave.client(timeout=30) as mc:
        before = await metrics(mc)
        async with enclave.client(timeout=0.5) as c:
            with pytest.raises(httpx.TimeoutException):
                await c.post("/v1/chat/completions", json=body)
        t_gone = time.monotonic()
        for _ in range(300):
            m = await metrics(mc)
            if (
                m["active_generations"] == 0
                and m["generations_cancelled"] > before["generations_cancelled"]
            ):
                break
            await asyncio.sleep(0.01)
        assert m["generations_cancelled"] == before["generations_cancelled"] + 1
        assert m["last_token_monotonic"] - t_gone < 0.5


async def test_generations_are_serialized_and_a_queued_one_can_be_cancelled(enclave: Enclave):
    """One llama context: a second stream waits; if its client leaves while it waits, it is
    dropped from the queue and the first stream is unaffected."""
    long_body = {"model": CHAT, "messages": STORY, "temperature": 0, "max_tokens": 120}
    async with enclave.client(timeout=60) as mc:
        before = await metrics(mc)
        first = asyncio.create_task(stream_chat(mc, long_body))
        for _ in range(200):
            if (await metrics(mc))["active_generations"] == 1:
                break
            await asyncio.sleep(0.01)
        async with enclave.client(timeout=30) as c:
            async with c.stream(
                "POST", "/v1/chat/completions", json={**long_body, "stream": True}
            ) as r:
                assert r.status_code == 200
                m = await metrics(mc)
                assert m["queued_generations"] == 1 and m["active_generations"] == 1
        for _ in range(100):
            m = await metrics(mc)
            if m["queued_generations"] == 0:
                break
            await asyncio.sleep(0.01)
        assert m["queued_generations"] == 0
        assert m["generations_cancelled"] == before["generations_cancelled"] + 1
        _, events = await first
        assert events[-1][1] == "[DONE]"
        assert json.loads(events[-2][1])["usage"]["completion_tokens"] == 120
        after = await metrics(mc)
        assert after["generations_completed"] == before["generations_completed"] + 1
        assert after["tokens_generated"] - before["tokens_generated"] == 120


# -- embeddings -----------------------------------------------------------------------------


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


async def test_embeddings_dimension_similarity_and_batch(enclave: Enclave):
    texts = [
        "The cat sits on the mat.",
        "A kitten is resting on the rug.",
        "Quarterly revenue grew by eight percent.",
    ]
    async with enclave.client(timeout=60) as c:
        r = await c.post("/v1/embeddings", json={"model": EMBED, "input": texts})
        assert r.status_code == 200, r.text
        body = r.json()
        single = (await c.post("/v1/embeddings", json={"model": EMBED, "input": texts[0]})).json()
        b64 = (
            await c.post(
                "/v1/embeddings", json={"model": EMBED, "input": texts, "encoding_format": "base64"}
            )
        ).json()
    assert body["object"] == "list" and body["model"] == EMBED
    assert [d["index"] for d in body["data"]] == [0, 1, 2]
    vecs = [d["embedding"] for d in body["data"]]
    assert all(len(v) == 384 for v in vecs)
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-3 for v in vecs)  # normalized
    similar, unrelated = cosine(vecs[0], vecs[1]), cosine(vecs[0], vecs[2])
    print(f"\ncosine similar {similar:.3f}, unrelated {unrelated:.3f}")
    assert similar > unrelated + 0.3
    assert body["usage"]["prompt_tokens"] > 0
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"]
    # batch and single agree
    assert cosine(single["data"][0]["embedding"], vecs[0]) > 0.9999
    # base64 = little-endian float32
    import struct

    raw = base64.b64decode(b64["data"][2]["embedding"])
    decoded = struct.unpack("<384f", raw)
    assert max(abs(x - y) for x, y in zip(decoded, vecs[2], strict=True)) < 1e-6


async def test_openai_client_embeddings(enclave: Enclave):
    openai = pytest.importorskip("openai")
    client = openai.AsyncOpenAI(base_url=enclave.base_url + "/v1", api_key=enclave.api_key)
    try:
        res = await client.embeddings.create(model=EMBED, input=["hello world", "goodbye"])
        assert len(res.data) == 2 and len(res.data[0].embedding) == 384
    finally:
        await client.close()


# -- attestation ----------------------------------------------------------------------------


async def test_attestation_in_development_is_plainly_unattested(enclave: Enclave):
    async with httpx.AsyncClient(base_url=enclave.base_url) as c:  # public: no key needed
        r = await c.get("/attestation")
        assert r.status_code == 200
        body = r.json()
        assert body["attested"] is False
        assert body["reason"] == "not attested (development): no SecretVM attestation service"
        assert "quote" not in body
        r = await c.get("/cpu")
        assert r.status_code == 404
        assert r.json()["attested"] is False
        assert r.json()["reason"] == body["reason"]


# -- bad input ------------------------------------------------------------------------------


LONG = "word " * 6000  # ~30k characters: under the character bound, over the 2048-token context


@pytest.mark.parametrize(
    "body,status,param",
    [
        ({"messages": STORY}, 400, "model"),
        ({"model": "gpt-9", "messages": STORY}, 404, "model"),
        ({"model": CHAT}, 400, "messages"),
        ({"model": CHAT, "messages": []}, 400, "messages"),
        ({"model": CHAT, "messages": "hi"}, 400, "messages"),
        (
            {"model": CHAT, "messages": [{"role": "wizard", "content": "x"}]},
            400,
            "messages[0].role",
        ),
        ({"model": CHAT, "messages": [{"role": "user", "content": 5}]}, 400, "messages[0].content"),
        ({"model": CHAT, "messages": [{"role": "user", "content": "x"}] * 65}, 400, "messages"),
        ({"model": CHAT, "messages": [{"role": "user", "content": "x" * 40_000}]}, 400, "messages"),
        ({"model": CHAT, "messages": [{"role": "user", "content": LONG}]}, 400, "messages"),
        ({"model": CHAT, "messages": STORY, "temperature": 5}, 400, "temperature"),
        ({"model": CHAT, "messages": STORY, "temperature": "hot"}, 400, "temperature"),
        ({"model": CHAT, "messages": STORY, "top_p": 1.5}, 400, "top_p"),
        ({"model": CHAT, "messages": STORY, "max_tokens": 0}, 400, "max_tokens"),
        ({"model": CHAT, "messages": STORY, "max_tokens": 100_000}, 400, "max_tokens"),
        ({"model": CHAT, "messages": STORY, "max_tokens": 2040}, 400, "max_tokens"),
        ({"model": CHAT, "messages": STORY, "max_tokens": True}, 400, "max_tokens"),
        ({"model": CHAT, "messages": STORY, "seed": "x"}, 400, "seed"),
        ({"model": CHAT, "messages": STORY, "stop": ["a", "b", "c", "d", "e"]}, 400, "stop"),
        ({"model": CHAT, "messages": STORY, "stop": 3}, 400, "stop"),
        ({"model": CHAT, "messages": STORY, "stream": "yes"}, 400, "stream"),
        ({"model": CHAT, "messages": STORY, "n": 2}, 400, "n"),
        ({"model": CHAT, "messages": STORY, "tools": [{"type": "function"}]}, 400, "tools"),
    ],
)
async def test_bad_chat_input_is_400(enclave: Enclave, body, status, param):
    async with enclave.client() as c:
        r = await c.post("/v1/chat/completions", json=body)
    assert_openai_error(r, status, param)


async def test_context_length_exceeded_code(enclave: Enclave):
    async with enclave.client() as c:
        r = await c.post(
            "/v1/chat/completions",
            json={"model": CHAT, "messages": [{"role": "user", "content": LONG}]},
        )
    assert assert_openai_error(r, 400, "messages")["code"] == "context_length_exceeded"


@pytest.mark.parametrize(
    "body,param",
    [
        ({"input": "x"}, "model"),
        ({"model": EMBED}, "input"),
        ({"model": EMBED, "input": []}, "input"),
        ({"model": EMBED, "input": [1, 2, 3]}, "input"),
        ({"model": EMBED, "input": ["ok", ""]}, "input[1]"),
        ({"model": EMBED, "input": ["x"] * 257}, "input"),
        ({"model": EMBED, "input": "x" * 9000}, "input[0]"),
        ({"model": EMBED, "input": "x", "encoding_format": "hex"}, "encoding_format"),
        ({"model": EMBED, "input": "x", "dimensions": 128}, "dimensions"),
    ],
)
async def test_bad_embedding_input_is_400(enclave: Enclave, body, param):
    async with enclave.client() as c:
        r = await c.post("/v1/embeddings", json=body)
    assert_openai_error(r, 400, param)


async def test_invalid_json_and_oversized_body(enclave: Enclave):
    async with enclave.client() as c:
        r = await c.post(
            "/v1/chat/completions",
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert_openai_error(r, 400)
        r = await c.post("/v1/embeddings", content=b"[" + b"1," * 600_000 + b"1]")
        assert_openai_error(r, 413)
        r = await c.get("/v1/nothing-here")
        assert_openai_error(r, 404)


# -- privacy of the logs --------------------------------------------------------------------


async def test_log_holds_no_key_and_no_prompt(enclave: Enclave):
    marker = "zebra-orchid-" + str(time.time_ns())
    async with enclave.client(timeout=60) as c:
        r = await c.post(
            "/v1/chat/completions",
            json={
                "model": CHAT,
                "messages": [{"role": "user", "content": marker}],
                "max_tokens": 4,
            },
        )
        assert r.status_code == 200
        r = await c.post("/v1/embeddings", json={"model": EMBED, "input": marker})
        assert r.status_code == 200
    await asyncio.sleep(0.2)
    log = enclave.log_text()
    assert "/v1/chat/completions" in log  # the access log is on ...
    assert enclave.api_key not in log  # ... yet holds no key
    assert marker not in log  # ... and no prompt
