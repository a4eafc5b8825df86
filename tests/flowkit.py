"""Test helpers for the flow engine: compact graphs, test-only node types, a run that
collects its events."""

from __future__ import annotations

import asyncio
import time

from privexbot.flows import compiler, engine, events, graph
from privexbot.flows.nodes import registry
from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S


class Sleep(NodeType):
    """Test only: sleeps ``ms``, then outputs ``value`` and when it finished."""

    name = "test_sleep"
    doc = "test"
    fields = {"ms": S("num"), "value": S("any")}

    def outputs(self, config):
        return {"value": "any", "at": "number"}

    async def run(self, ctx):
        await asyncio.sleep(ctx.config.get("ms", 0) / 1000)
        return Result({"value": ctx.config.get("value"), "at": time.perf_counter()})


class Flaky(NodeType):
    """Test only: fails its first ``failures`` attempts (per run), then outputs ``value``."""

    name = "test_flaky"
    doc = "test"
    fields = {"failures": S("int"), "value": S("any"), "kind": S("str")}

    def outputs(self, config):
        return {"value": "any", "at": "number"}

    async def run(self, ctx):
        seen = ctx.run.__dict__.setdefault("flaky_attempts", {})
        seen[ctx.node.id] = seen.get(ctx.node.id, 0) + 1
        if seen[ctx.node.id] <= ctx.config.get("failures", 1):
            raise NodeError(ctx.config.get("kind", "flaky"), "planned failure")
        return Result({"value": ctx.config.get("value"), "at": time.perf_counter()})


class Hang(NodeType):
    """Test only: never finishes (until cancelled); records that it was cancelled."""

    name = "test_hang"
    doc = "test"
    cancelled: list = []

    def outputs(self, config):
        return {"value": "any"}

    async def run(self, ctx):
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            Hang.cancelled.append((ctx.node.id, time.perf_counter()))
            raise


for _kind in (Sleep, Flaky, Hang):
    registry.register(_kind())


def node(id_: str, type_: str, parent: str = "", **config) -> dict:
    return {"id": id_, "type": type_, "config": config, "parent_id": parent}


def edge(source: str, target: str, handle: str = "") -> dict:
    return {"id": f"{source}-{handle or 'out'}-{target}", "source": source,
            "target": target, "source_handle": handle}  # fmt: skip


def compiled(nodes: list[dict], edges: list[dict]) -> compiler.Compiled:
    return compiler.compile_graph(graph.from_record({"nodes": nodes, "edges": edges}))


def plan_of(nodes, edges) -> compiler.Plan:
    result = compiled(nodes, edges)
    assert result.valid, [(i.code, i.node_id, i.message) for i in result.issues]
    return result.plan


async def run(nodes, edges, *, services=None, **options):
    """(the outcome, the events in order, the Run)."""
    got: list = []
    run_ = engine.Run(plan_of(nodes, edges), services or engine.Services(), got.append, **options)
    outcome = await run_.execute()
    return outcome, got, run_


def finished(got) -> dict[str, events.NodeFinished]:
    return {(e.path + e.node_id): e for e in got if isinstance(e, events.NodeFinished)}


def text_of(got) -> str:
    return "".join(e.text for e in got if isinstance(e, events.Delta))
