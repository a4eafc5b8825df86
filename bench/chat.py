"""What a chatbot adds to time-to-first-token: BotService.Chat (retrieval from a 10k-chunk
knowledge base, prompt building, storing the question) vs InferenceService.
StreamChatCompletion alone with the very prompt Chat builds, same server, same run.

Run (from the repository root; about a minute; loopback only; needs the enclave installed
for the real embedding model):

    .venv/bin/python bench/chat.py
    .venv/bin/python bench/chat.py --chunks 10000 --pairs 100

Both calls reach the same upstream: ``bench/upstream.py`` (a BENCHMARK TOOL never used by
the product) emitting the first token ``--first-token-ms`` after each request, and serving
``/v1/embeddings`` with the real all-MiniLM-L6-v2 (the enclave's own engine), so the
question's embedding costs what it costs in production; the model's own prefill is out of
the comparison (a real model's TTFT would swamp a few milliseconds in noise). The server is
the real one (``create_server``, SQLite file, in-process store, milvus-lite, the per-RPC log
line on, to /dev/null). The knowledge base holds ``--chunks`` chunks of handbook text in
``--chunks / 100`` ready documents, with seeded random unit vectors in milvus-lite (vector
values do not change search cost). Chat runs in vector mode, top-5.

Pairs alternate order (Chat first, then StreamChatCompletion first), one call at a time,
each Chat in a new session; the StreamChatCompletion side sends exactly the messages Chat
would build for that question (computed beforehand with the same domain code). TTFT =
request sent to the first delta's arrival. Then, for the breakdown, the same retrieval and
prompt building alone (in-process), and the question's embedding alone (the gateway's call
to the upstream). Goal (issue #6): added p50 <= 30 ms at 10k chunks.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness import real_server_with, rpc_log_to_devnull, sign_up, versions
from stream import bench_upstream

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = ROOT / "tests" / "data" / "knowledge" / "handbook.md"
CHUNKS_PER_DOCUMENT = 100
DIM = 384
QUESTIONS = [
    "How often does the office wifi password rotate?",
    "When are expense reports due?",
    "What is the meal allowance per day?",
    "When are production deploys frozen?",
    "How many days of paid leave do we get?",
    "Where do I report phishing emails?",
    "Who approves travel expenses?",
    "When does the on-call handover happen?",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def seed_knowledge_base(platform, scope, kb_id: str, chunks: int) -> None:
    """``chunks`` ready chunks of handbook text, in SQL and (random unit vectors) in Milvus."""
    import numpy as np

    from privexbot.knowledge.vectors import ChunkVector
    from privexbot.store.models import Chunk, Document

    lines = [line for line in HANDBOOK.read_text().splitlines() if len(line) > 40]
    rng = np.random.default_rng(20261122)
    documents = chunks // CHUNKS_PER_DOCUMENT
    async with platform.sessions() as session, session.begin():
        for d in range(documents):
            doc = Document(
                id=f"benchdoc{d:06d}",
                knowledge_base_id=kb_id,
                organization_id=scope.organization_id,
                workspace_id=scope.workspace_id,
                display_name=f"handbook-{d}.md",
                content_type="text/markdown",
                size_bytes=0,
                content_sha256="0" * 64,
                state="ready",
                stage="done",
                chunks_total=CHUNKS_PER_DOCUMENT,
            )
            session.add(doc)
            await session.flush()  # the chunks refer to it
            session.add_all(
                Chunk(
                    document_id=doc.id,
                    index=i,
                    knowledge_base_id=kb_id,
                    text=" ".join(lines[(d + i + k) % len(lines)] for k in range(3)),
                    start_offset=0,
                    end_offset=0,
                )
                for i in range(CHUNKS_PER_DOCUMENT)
            )
    for d in range(documents):
        matrix = rng.standard_normal((CHUNKS_PER_DOCUMENT, DIM)).astype("float32")
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
        await platform.vectors.upsert(
            [
                ChunkVector(
                    scope.organization_id,
                    scope.workspace_id,
                    kb_id,
                    f"benchdoc{d:06d}",
                    i,
                    row.tolist(),
                )
                for i, row in enumerate(matrix)
            ]
        )


async def run(opts) -> int:
    import grpc

    from privexbot.bots import config as bot_config
    from privexbot.bots import prompt
    from privexbot.kernel.resources import scope_of
    from privexbot.v1 import (
        bot_pb2,
        bot_pb2_grpc,
        inference_pb2,
        inference_pb2_grpc,
        knowledge_pb2,
        knowledge_pb2_grpc,
    )

    key = "sk-bench-" + secrets.token_hex(8)
    roles = {"system": 1, "user": 2, "assistant": 3}
    with (
        rpc_log_to_devnull() as rpc_log,
        tempfile.TemporaryDirectory(prefix="privexbot-bench-") as tmp,
    ):
        rpc_log(True)
        async with bench_upstream(
            key, "--embeddings", "--first-token-ms", str(opts.first_token_ms), "--tokens", "8"
        ) as base_url:
            running = await real_server_with(
                Path(tmp), inference_base_url=base_url, inference_api_key=key
            )
            try:
                target = f"127.0.0.1:{running.port}"
                user = await sign_up(target, "chatbench")
                scope = scope_of(user.session.workspace)
                async with grpc.aio.insecure_channel(target) as channel:
                    knowledge = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
                    bots = bot_pb2_grpc.BotServiceStub(channel)
                    inference = inference_pb2_grpc.InferenceServiceStub(channel)
                    kb = await knowledge.CreateKnowledgeBase(
                        knowledge_pb2.CreateKnowledgeBaseRequest(
                            parent=user.session.workspace,
                            knowledge_base=knowledge_pb2.KnowledgeBase(display_name="Bench"),
                        ),
                        metadata=user.auth,
                    )
                    kb_id = kb.name.rsplit("/", 1)[1]
                    started = time.perf_counter()
                    await seed_knowledge_base(running.platform, scope, kb_id, opts.chunks)
                    print(f"seeded {opts.chunks} chunks in {time.perf_counter() - started:.1f} s")
                    draft = await bots.CreateChatbotDraft(
                        bot_pb2.CreateChatbotDraftRequest(
                            parent=user.session.workspace,
                            chatbot_draft=bot_pb2.ChatbotDraft(
                                config=bot_pb2.ChatbotConfig(
                                    display_name="Bench bot",
                                    knowledge_bases=[kb.name],
                                    max_tokens=8,
                                    memory_window=0,
                                )
                            ),
                        ),
                        metadata=user.auth,
                    )
                    bot = await bots.FinalizeChatbotDraft(
                        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name), metadata=user.auth
                    )
                    bot_id = bot.name.rsplit("/", 1)[1]
                    config = (await running.platform.chatbots.get(scope, bot_id)).config
                    config = bot_config.normalized(config, "config")

                    async def ttft_of(stream) -> float:
                        t0 = time.perf_counter()
                        first = None
                        async for event in stream:
                            if first is None and event.HasField("delta"):
                                first = time.perf_counter() - t0
                        return first * 1000

                    async def built_messages(question: str):
                        results = await running.platform.retriever.retrieve(
                            scope, [kb_id], question, config["retrieval"]
                        )
                        sources = [
                            prompt.Source(r.citation.document_display_name, r.text) for r in results
                        ]
                        return [
                            inference_pb2.ChatCompletionMessage(
                                role=roles[m.role], content=m.content
                            )
                            for m in prompt.build(config, [], question, sources)
                        ]

                    chat_ms, completion_ms = [], []
                    for i in range(opts.warmup + opts.pairs):
                        question = QUESTIONS[i % len(QUESTIONS)]
                        messages = await built_messages(question)
                        sides = [
                            (
                                chat_ms,
                                lambda q=question: bots.Chat(
                                    bot_pb2.ChatRequest(name=bot.name, message=q),
                                    metadata=user.auth,
                                ),
                            ),
                            (
                                completion_ms,
                                lambda m=messages: inference.StreamChatCompletion(
                                    inference_pb2.StreamChatCompletionRequest(
                                        parent=user.session.workspace, messages=m, max_tokens=8
                                    ),
                                    metadata=user.auth,
                                ),
                            ),
                        ]
                        for samples, call in sides if i % 2 == 0 else sides[::-1]:
                            ttft = await ttft_of(call())
                            if i >= opts.warmup:
                                samples.append(ttft)
                    # Where the added time goes: the same retrieval, and its embedding, alone.
                    embed_ms, retrieve_ms = [], []
                    for i in range(opts.pairs):
                        question = QUESTIONS[i % len(QUESTIONS)]
                        t0 = time.perf_counter()
                        await running.platform.inference.embed([question])
                        embed_ms.append((time.perf_counter() - t0) * 1000)
                        t0 = time.perf_counter()
                        await built_messages(question)
                        retrieve_ms.append((time.perf_counter() - t0) * 1000)
            finally:
                await running.stop(1)

    print(versions(envoy=False))
    print(
        f"{opts.pairs} pairs, {opts.chunks} chunks, upstream first token {opts.first_token_ms} ms"
    )
    print(f"{'TTFT (ms)':<34}{'p50':>9}{'p99':>9}{'mean':>9}")
    for label, values in (
        ("StreamChatCompletion (same prompt)", completion_ms),
        ("Chat (retrieval + prompt + store)", chat_ms),
    ):
        print(
            f"{label:<34}{percentile(values, 0.5):>9.2f}{percentile(values, 0.99):>9.2f}"
            f"{statistics.fmean(values):>9.2f}"
        )
    for label, values in (
        ("  retrieval + prompt alone", retrieve_ms),
        ("  of which embedding the question", embed_ms),
    ):
        print(
            f"{label:<34}{percentile(values, 0.5):>9.2f}{percentile(values, 0.99):>9.2f}"
            f"{statistics.fmean(values):>9.2f}"
        )
    added_p50 = percentile(chat_ms, 0.5) - percentile(completion_ms, 0.5)
    added_p99 = percentile(chat_ms, 0.99) - percentile(completion_ms, 0.99)
    print(f"added by Chat: p50 {added_p50:+.2f} ms (goal <= 30 ms), p99 {added_p99:+.2f} ms")
    return 1 if opts.strict and added_p50 > 30 else 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--first-token-ms", type=float, default=20.0)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    opts = parser.parse_args(argv)
    if opts.chunks < CHUNKS_PER_DOCUMENT or opts.pairs < 1:
        parser.error(f"--chunks >= {CHUNKS_PER_DOCUMENT}, --pairs >= 1")
    return opts


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse())))
