"""Prompt evaluation in the REAL chat engine (SmolLM2-135M in llama.cpp, in this process):
the re-encoded weights are made once, a prompt prefix shared with the previous request is
not evaluated again (and changes no output), a cancel interrupts a batch being evaluated."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from .conftest import Enclave

pytestmark = pytest.mark.enclave

SYSTEM = (
    "You are a helpful assistant. Answer concisely.\n\nBase your answer on the context below."
    "\n\nContext:\n[1] handbook.md\n"
    + " ".join(
        f"Rule {i}: expense reports are due on day {i % 28 + 1} and need a receipt."
        for i in range(40)
    )
)
ASK = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "When are reports due?"}]
OTHER = [
    {"role": "system", "content": SYSTEM},
    {"role": "user", "content": "What needs a receipt?"},
]
LONG = [{"role": "user", "content": "Summarize: " + "the quick brown fox " * 240}]


@pytest.fixture(scope="module")
def weights_dir(tmp_path_factory) -> Path:
    from conftest import require_enclave_installed  # tests/conftest.py

    require_enclave_installed()
    return tmp_path_factory.mktemp("weights")


@pytest.fixture(scope="module")
def made(weights_dir: Path) -> dict:
    """The packaged weights re-encoded in a fresh directory that holds a file made from
    "previous" weights (same name pattern, another hash)."""
    from privexbot_enclave.models import find_chat_model, prefill_weights, prefill_weights_type

    wtype = prefill_weights_type()
    stale = weights_dir / f"SmolLM2-135M-Instruct.{wtype}.0000000000000000.gguf"
    stale.write_bytes(b"made from older weights")
    path = prefill_weights(find_chat_model(), weights_dir)
    return {"path": path, "type": wtype, "stale": stale, "stat": path.stat()}


@pytest.fixture(scope="module")
def engine(made: dict):
    from privexbot_enclave.models import ChatEngine

    engine = ChatEngine(made["path"])
    engine.load()
    yield engine
    engine._llm.close()


async def complete(engine, messages, **params) -> tuple[str, dict]:
    """Text of a temperature-0 generation and the counters' change."""
    from privexbot_enclave.models import Delta, Finished, SamplingParams

    before = engine.counters.snapshot()
    params = SamplingParams(**{"max_tokens": 16, "temperature": 0.0, **params})
    gen = engine.start(engine.prompt_tokens(messages), params)
    parts = []
    async for event in gen.events():
        if isinstance(event, Delta):
            parts.append(event.text)
        else:
            assert isinstance(event, Finished), event
    after = engine.counters.snapshot()
    return "".join(parts), {k: after[k] - before[k] for k in after if isinstance(after[k], int)}


def test_weights_are_made_once_then_reused(made: dict, weights_dir: Path):
    from privexbot_enclave.models import find_chat_model, prefill_weights

    path, source = made["path"], find_chat_model()
    assert path.parent == weights_dir and path.name.startswith(
        f"SmolLM2-135M-Instruct.{made['type']}."
    )
    assert made["type"] in ("F16", "BF16")
    # Every Q4_1 value as 16 bits: about 2 bytes per parameter (the Q4_1 file: ~0.7).
    assert path.stat().st_size > 2.5 * source.stat().st_size
    assert not made["stale"].exists()  # the file made from the previous weights is gone
    assert sorted(p.name for p in weights_dir.iterdir()) == [path.name]  # no partial file

    again = prefill_weights(source, weights_dir)
    assert again == path
    stat = again.stat()
    assert (stat.st_ino, stat.st_mtime_ns) == (made["stat"].st_ino, made["stat"].st_mtime_ns)


def test_unwritable_directory_falls_back_to_the_packaged_weights(tmp_path: Path, made: dict):
    from privexbot_enclave.models import find_chat_model, resolve_chat_model

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert resolve_chat_model("", blocker / "models") == find_chat_model()
    assert resolve_chat_model(str(made["path"]), blocker) == made["path"]  # as given


async def test_second_request_evaluates_only_what_follows_the_shared_prefix(engine):
    engine.prompt_cache = True
    _, first = await complete(engine, ASK)
    _, second = await complete(engine, OTHER)
    prompt = engine.prompt_tokens(OTHER)
    print(f"\nsecond request: {second['prompt_tokens_evaluated']} of {len(prompt)} evaluated")
    assert (
        first["prompt_tokens_cached"] + first["prompt_tokens_evaluated"] == first["prompt_tokens"]
    )
    assert second["prompt_tokens"] == len(prompt) > 400
    # The template's header and the whole system message come from the context.
    assert second["prompt_tokens_cached"] > 400
    assert second["prompt_tokens_evaluated"] == len(prompt) - second["prompt_tokens_cached"]
    assert second["prompt_tokens_evaluated"] < 20

    # The same request again: only its last prompt token is evaluated.
    _, third = await complete(engine, OTHER)
    assert third["prompt_tokens_evaluated"] == 1


async def test_cache_and_batch_size_change_no_output(engine):
    """Logits do not depend on where the cached prefix ends or where batches split, so
    temperature 0 gives the same text cold, warm, and in 16-token batches."""
    engine.prompt_cache = False
    cold, stats = await complete(engine, ASK, max_tokens=24)
    assert stats["prompt_tokens_cached"] == 0 and cold.strip()
    engine.prompt_cache = True
    await complete(engine, OTHER)  # leaves the system prompt (not ASK's question) cached
    warm, stats = await complete(engine, ASK, max_tokens=24)
    assert stats["prompt_tokens_cached"] > 400
    engine.prompt_cache, batch = False, engine.prefill_batch
    engine.prefill_batch = 16
    try:
        small_batches, _ = await complete(engine, ASK, max_tokens=24)
    finally:
        engine.prompt_cache, engine.prefill_batch = True, batch
    assert warm == cold == small_batches


async def test_cancel_interrupts_a_batch_being_evaluated(made: dict):
    """One 1,024-token batch takes a second or more here; a cancel during it returns within
    a few graph nodes (llama.cpp's abort callback), with no token sampled, and the context
    is usable at once."""
    from privexbot_enclave.models import Cancelled, ChatEngine, SamplingParams

    engine = ChatEngine(made["path"], prefill_batch=1024, prompt_cache=True)
    engine.load()
    try:
        prompt = engine.prompt_tokens(LONG)
        assert 900 < len(prompt) <= 1024
        gen = engine.start(prompt, SamplingParams(max_tokens=8, temperature=0.0))
        for _ in range(1000):
            if engine.counters.snapshot()["active_generations"]:
                break
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.3)
        assert not gen.done.is_set()  # still evaluating the prompt
        t0 = time.perf_counter()
        gen.cancel()
        assert await asyncio.to_thread(gen.done.wait, 10)
        stopped = time.perf_counter() - t0
        events = [event async for event in gen.events()]
        print(f"\ncancel during a 1,024-token batch: worker done {stopped * 1000:.1f} ms later")
        assert events == [Cancelled()]
        assert stopped < 0.25  # one batch: over a second
        snap = engine.counters.snapshot()
        assert snap["tokens_generated"] == 0 and snap["generations_cancelled"] == 1
        assert snap["prompt_tokens_evaluated"] == 0  # nothing counted for an abandoned prompt

        # Nothing half-evaluated is kept: the same prompt again evaluates it whole and
        # gives what a fresh engine gives.
        text, stats = await complete(engine, LONG, max_tokens=8)
        assert stats["prompt_tokens_evaluated"] == len(prompt) and text.strip()
    finally:
        engine._llm.close()


# -- through the real enclave process --------------------------------------------------------


async def test_enclave_counts_prompt_tokens_taken_from_the_context(enclave: Enclave):
    async with enclave.client(timeout=60) as c:
        body = {"model": "smollm2-135m-instruct", "temperature": 0, "max_tokens": 4}
        r = await c.post("/v1/chat/completions", json={**body, "messages": ASK})
        assert r.status_code == 200, r.text
        before = (await c.get("/metrics")).json()["chat"]
        r = await c.post("/v1/chat/completions", json={**body, "messages": OTHER})
        assert r.status_code == 200, r.text
        after = (await c.get("/metrics")).json()["chat"]
    prompt_tokens = r.json()["usage"]["prompt_tokens"]
    cached = after["prompt_tokens_cached"] - before["prompt_tokens_cached"]
    evaluated = after["prompt_tokens_evaluated"] - before["prompt_tokens_evaluated"]
    assert cached > 400 and cached + evaluated == prompt_tokens
    assert evaluated < 20
