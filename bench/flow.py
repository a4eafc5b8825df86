"""What the flow engine costs.

1. Engine overhead per node: a chain of ``--nodes`` no-op nodes (and a fan-out of as many
   in parallel) run by the engine, against awaiting the same nodes' coroutines directly, one
   after the other, in the same process (no server). Overhead per node = (engine - direct) /
   nodes: scheduling, edge bookkeeping, write-once outputs, per-node timeout, events.
   Goal (issue 23): <= 200 us per node.
2. Time to first token of a knowledge -> llm -> answer chatflow (ExecuteChatflow) against
   BotService.Chat with the same knowledge base and question, same server, same run: both
   reach ``bench/upstream.py`` (a BENCHMARK TOOL: first token ``--first-token-ms`` after each
   request; real all-MiniLM-L6-v2 embeddings), the knowledge base seeded with ``--chunks``
   chunks (bench/chat.py's seeding). Pairs alternate which goes first. Goal: the chatflow's
   first token within +10 ms of Chat's (p50).

    .venv/bin/python bench/flow.py                # both parts
    .venv/bin/python bench/flow.py --skip-server  # part 1 only (no enclave needed)
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


# ---- 1. engine overhead ------------------------------------------------------------------


def _noop_type():
    from privexbot.flows.nodes import registry
    from privexbot.flows.nodes.base import NodeType, Result

    class Noop(NodeType):
        name = "bench_noop"
        doc = "benchmark only: does nothing"

        async def run(self, ctx):
            return Result({})

    if registry.get("bench_noop") is None:
        registry.register(Noop())
    return registry.get("bench_noop")


def _graph(n: int, parallel: bool):
    from privexbot.flows import compiler, graph

    nodes = [{"id": "start", "type": "start"}]
    nodes += [{"id": f"n{i}", "type": "bench_noop"} for i in range(n)]
    nodes.append({"id": "ans", "type": "answer", "config": {"text": "done"}})
    if parallel:
        edges = [{"id": f"a{i}", "source": "start", "target": f"n{i}"} for i in range(n)]
        edges += [{"id": f"b{i}", "source": f"n{i}", "target": "ans"} for i in range(n)]
    else:
        chain = ["start", *(f"n{i}" for i in range(n)), "ans"]
        edges = [
            {"id": f"e{i}", "source": a, "target": b}
            for i, (a, b) in enumerate(zip(chain, chain[1:], strict=False))
        ]
    result = compiler.compile_graph(graph.from_record({"nodes": nodes, "edges": edges}))
    assert result.valid, result.issues
    return result.plan


async def engine_overhead(n: int, rounds: int) -> dict:
    from privexbot.flows import engine

    kind = _noop_type()
    results = {}
    for label, parallel in (("chain", False), ("fan-out", True)):
        plan = _graph(n, parallel)
        engine_us, direct_us = [], []
        for _ in range(rounds):
            events: list = []
            run = engine.Run(plan, engine.Services(), events.append)
            t0 = time.perf_counter()
            outcome = await run.execute()
            engine_us.append((time.perf_counter() - t0) * 1e6)
            assert outcome.state == "succeeded", outcome
            frame = engine.Frame()
            contexts = [engine.Context(run, plan.nodes[f"n{i}"], kind, frame, "") for i in range(n)]
            t0 = time.perf_counter()
            if parallel:
                await asyncio.gather(*(kind.run(ctx) for ctx in contexts))
            else:
                for ctx in contexts:
                    await kind.run(ctx)
            direct_us.append((time.perf_counter() - t0) * 1e6)
        results[label] = (statistics.median(engine_us), statistics.median(direct_us))
    return results


# ---- 2. first token: chatflow vs Chat ----------------------------------------------------


async def first_tokens(opts) -> tuple[list[float], list[float], list[float]]:
    import grpc
    from chat import QUESTIONS, seed_knowledge_base
    from harness import real_server_with, rpc_log_to_devnull, sign_up
    from stream import bench_upstream

    from privexbot.kernel.resources import scope_of
    from privexbot.v1 import (
        bot_pb2,
        bot_pb2_grpc,
        flow_pb2,
        flow_pb2_grpc,
        knowledge_pb2,
        knowledge_pb2_grpc,
    )

    sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
    from flowhelp import example

    key = "sk-bench-" + secrets.token_hex(8)
    chat_ms, flow_ms, flow_first_event_ms = [], [], []
    with rpc_log_to_devnull() as rpc_log, tempfile.TemporaryDirectory() as tmp:
        rpc_log(True)
        async with bench_upstream(
            key, "--embeddings", "--first-token-ms", str(opts.first_token_ms), "--tokens", "8"
        ) as base_url:
            running = await real_server_with(
                Path(tmp), inference_base_url=base_url, inference_api_key=key
            )
            try:
                target = f"127.0.0.1:{running.port}"
                user = await sign_up(target, "flowbench")
                auth = user.auth
                scope = scope_of(user.session.workspace)
                async with grpc.aio.insecure_channel(target) as channel:
                    knowledge = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
                    bots = bot_pb2_grpc.BotServiceStub(channel)
                    flows = flow_pb2_grpc.FlowServiceStub(channel)
                    kb = await knowledge.CreateKnowledgeBase(
                        knowledge_pb2.CreateKnowledgeBaseRequest(
                            parent=user.session.workspace,
                            knowledge_base=knowledge_pb2.KnowledgeBase(display_name="Bench"),
                        ),
                        metadata=auth,
                    )
                    await seed_knowledge_base(
                        running.platform, scope, kb.name.rsplit("/", 1)[1], opts.chunks
                    )
                    draft = await bots.CreateChatbotDraft(
                        bot_pb2.CreateChatbotDraftRequest(
                            parent=user.session.workspace,
                            chatbot_draft=bot_pb2.ChatbotDraft(
                                config=bot_pb2.ChatbotConfig(
                                    display_name="Bench bot",
                                    knowledge_bases=[kb.name],
                                    max_tokens=8,
                                    memory_window=0,
                                )  # fmt: skip
                            ),
                        ),
                        metadata=auth,
                    )
                    bot = await bots.FinalizeChatbotDraft(
                        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name), metadata=auth
                    )
                    flow_draft = await flows.CreateChatflowDraft(
                        flow_pb2.CreateChatflowDraftRequest(
                            parent=user.session.workspace,
                            chatflow_draft=flow_pb2.ChatflowDraft(
                                display_name="Bench flow",
                                graph=example("knowledge_answer", KB=kb.name),
                            ),
                        ),
                        metadata=auth,
                    )
                    flow = await flows.FinalizeChatflowDraft(
                        flow_pb2.FinalizeChatflowDraftRequest(name=flow_draft.name), metadata=auth
                    )

                    async def timed(stream, first_event=None):
                        t0 = time.perf_counter()
                        first = None
                        async for event in stream:
                            if first_event is not None and not first_event:
                                first_event.append((time.perf_counter() - t0) * 1000)
                            if first is None and event.HasField("delta"):
                                first = (time.perf_counter() - t0) * 1000
                        return first

                    for i in range(opts.warmup + opts.pairs):
                        question = QUESTIONS[i % len(QUESTIONS)]
                        first_event: list = []
                        sides = [
                            ("chat", lambda q=question: bots.Chat(
                                bot_pb2.ChatRequest(name=bot.name, message=q), metadata=auth)),
                            ("flow", lambda q=question: flows.ExecuteChatflow(
                                flow_pb2.ExecuteChatflowRequest(name=flow.name, message=q),
                                metadata=auth)),
                        ]  # fmt: skip
                        for side, call in sides if i % 2 == 0 else sides[::-1]:
                            ms = await timed(call(), first_event if side == "flow" else None)
                            if i >= opts.warmup:
                                (chat_ms if side == "chat" else flow_ms).append(ms)
                        if i >= opts.warmup:
                            flow_first_event_ms.append(first_event[0])
            finally:
                await running.stop(1)
    return chat_ms, flow_ms, flow_first_event_ms


async def run(opts) -> int:
    missed = False
    results = await engine_overhead(opts.nodes, opts.rounds)
    print(f"engine overhead, {opts.nodes} no-op nodes, median of {opts.rounds} runs")
    print(f"{'':<10}{'engine (us)':>14}{'direct (us)':>14}{'per node (us)':>16}")
    for label, (engine_us, direct_us) in results.items():
        per_node = (engine_us - direct_us) / opts.nodes
        missed |= per_node > 200
        print(f"{label:<10}{engine_us:>14.0f}{direct_us:>14.0f}{per_node:>16.1f}")
    print("goal: <= 200 us per node")
    if opts.skip_server:
        return 1 if opts.strict and missed else 0
    chat_ms, flow_ms, event_ms = await first_tokens(opts)
    print(
        f"\n{opts.pairs} pairs, {opts.chunks} chunks, upstream first token {opts.first_token_ms} ms"
    )
    print(f"{'(ms)':<38}{'p50':>9}{'p99':>9}{'mean':>9}")
    for label, values in (
        ("Chat: first token", chat_ms),
        ("ExecuteChatflow: first token", flow_ms),
        ("ExecuteChatflow: first event", event_ms),
    ):
        print(
            f"{label:<38}{percentile(values, 0.5):>9.2f}{percentile(values, 0.99):>9.2f}"
            f"{statistics.fmean(values):>9.2f}"
        )
    added = percentile(flow_ms, 0.5) - percentile(chat_ms, 0.5)
    print(f"chatflow vs Chat, first token p50: {added:+.2f} ms (goal <= +10 ms)")
    missed |= added > 10
    return 1 if opts.strict and missed else 0


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=2000)
    parser.add_argument("--pairs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=8)
    parser.add_argument("--first-token-ms", type=float, default=20.0)
    parser.add_argument("--skip-server", action="store_true")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(run(parse())))
