"""The code node: the builder's JavaScript in the sandbox (sandbox.py): a V8 isolate in a
separate process, no network, no file system, no process API, CPU-time and heap caps,
killed at its time limit. ``function main(inputs) { return {...}; }``."""

from __future__ import annotations

from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S
from privexbot.flows.sandbox import SandboxError


class Code(NodeType):
    name = "code"
    doc = (
        "Runs JavaScript (main(inputs) returns the result) in a V8 isolate in a sandbox "
        "process: no network, file system or process API; CPU time and memory capped."
    )
    fields = {
        "language": S("enum", values=("javascript",)),
        "source": S("str", required=True, max_len=50_000),
        "inputs": S("obj", item=S("selector"), max=30),
        "cpu_ms": S("int", min=1, max=10_000),
        "memory_mb": S("int", min=8, max=256),
    }
    default_timeout_ms = 10_000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"result": "any"}

    async def run(self, ctx) -> Result:
        config = ctx.config
        inputs = {name: ctx.resolve(ref) for name, ref in (config.get("inputs") or {}).items()}
        try:
            result = await ctx.services.sandbox.run(
                config["source"], inputs, config.get("cpu_ms", 2000), config.get("memory_mb", 64)
            )
        except SandboxError as exc:
            raise NodeError("code", f"{exc.kind}: {exc.message}") from None
        return Result({"result": result})
