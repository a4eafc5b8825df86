"""Containers: iteration (a body per item of a list, items in parallel up to a limit) and
loop (a body per round until a break condition or max rounds). Their body is the nodes
whose parent_id is theirs; each item or round runs in a fresh frame over the run's, so
outputs never leak between items or rounds."""

from __future__ import annotations

import asyncio

from privexbot.flows import conditions, events
from privexbot.flows.engine import Frame, RunStopped
from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S

MAX_ITEMS = 1000
_SKIPPED = object()


class Iteration(NodeType):
    name = "iteration"
    doc = (
        "Runs its body once per item of a list (item and index as its inner outputs), at "
        "most 10 items at once; error mode stop, skip or keep (the error in its place); "
        "results in the items' order."
    )
    container = True
    fields = {
        "items": S("selector", required=True, expects="array"),
        "output": S("selector", required=True),
        "concurrency": S("int", min=1, max=10),
        "error_mode": S("enum", values=("stop", "skip", "keep")),
    }
    default_timeout_ms = 300_000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"results": "array", "errors": "number"}

    def inner_outputs(self, config: dict) -> dict[str, str]:
        return {"item": "any", "index": "number"}

    async def run(self, ctx) -> Result:
        items = ctx.resolve(ctx.config["items"])
        if not isinstance(items, list):
            raise NodeError("input", f"{ctx.config['items']} is not a list")
        if len(items) > MAX_ITEMS:
            raise NodeError("input", f"more than {MAX_ITEMS} items")
        mode = ctx.config.get("error_mode", "stop")
        gate = asyncio.Semaphore(ctx.config.get("concurrency", 1))
        results: list = [_SKIPPED] * len(items)
        errors = 0

        async def one(index: int, item) -> None:
            nonlocal errors
            async with gate:
                frame = Frame(ctx.frame, {ctx.node.id: {"item": item, "index": index}})
                try:
                    await ctx.run_body(frame, f"{ctx.path}{ctx.node.id}[{index}]/")
                except RunStopped as stop:
                    if mode == "stop":
                        raise
                    errors += 1
                    if mode == "keep":
                        results[index] = {"error": stop.message}
                    return
                results[index] = _read(frame, ctx.config["output"])

        try:
            async with asyncio.TaskGroup() as group:
                for index, item in enumerate(items):
                    group.create_task(one(index, item))
        except BaseExceptionGroup as group:
            stop = next(e for e in group.exceptions if isinstance(e, Exception))
            raise NodeError("iteration", getattr(stop, "message", str(stop))) from None
        kept = [r for r in results if r is not _SKIPPED]
        return Result({"results": kept, "errors": errors})


def _read(frame: Frame, selector: str):
    source, _, output = selector.partition(".")
    outputs = frame.outputs.get(source)
    return None if outputs is None else outputs.get(output)


LOOP_VARIABLE = S(
    "obj",
    fields={"name": S("str", required=True, max_len=64), "type": S("type"), "value": S("any")},
)
UPDATE = S(
    "obj",
    fields={
        "variable": S("str", required=True, max_len=64),
        "value": S("selector"),
        "template": S("template", max_len=10_000),
    },
)


class Loop(NodeType):
    name = "loop"
    doc = (
        "Runs its body in rounds: loop variables carried explicitly (updated after each "
        "round from the body's outputs), the break rules checked before and after each "
        "round, at most max_rounds; every round starts with the body's outputs cleared."
    )
    container = True
    fields = {
        "max_rounds": S("int", required=True, min=1, max=100),
        "variables": S("list", max=20, item=LOOP_VARIABLE),
        "updates": S("list", max=20, item=UPDATE),
        "break": S("list", max=20, item=conditions.RULE),
        "break_logic": S("enum", values=("and", "or")),
    }
    default_timeout_ms = 300_000

    def _variables(self, config: dict) -> dict[str, str]:
        return {
            v["name"]: v.get("type", "any")
            for v in config.get("variables") or []
            if isinstance(v, dict) and isinstance(v.get("name"), str)
        }

    def outputs(self, config: dict) -> dict[str, str]:
        return {**self._variables(config), "rounds": "number"}

    def inner_outputs(self, config: dict) -> dict[str, str]:
        return {**self._variables(config), "round": "number"}

    def check(self, config: dict):
        yield from super().check(config)
        yield from conditions.check_rules(config.get("break"), "break")
        names = self._variables(config)
        for i, update in enumerate(config.get("updates") or []):
            if isinstance(update, dict) and update.get("variable") not in names:
                yield f"updates[{i}].variable", "must name one of the loop's variables"

    async def run(self, ctx) -> Result:
        config, node = ctx.config, ctx.node
        values = {v["name"]: v.get("value") for v in config.get("variables") or []}
        rounds = 0
        for round_ in range(config["max_rounds"]):
            frame = Frame(ctx.frame, {node.id: {**values, "round": round_}})
            if self._breaks(ctx, frame):
                break
            path = f"{ctx.path}{node.id}[{round_}]/"
            ctx.emit(events.LoopRoundStarted(node.id, round_, ctx.path))
            await ctx.run_body(frame, path)
            rounds += 1
            values = dict(values)
            body = _Reader(ctx, frame)
            for update in config.get("updates") or []:
                if update.get("value"):
                    values[update["variable"]] = body.resolve(update["value"])
                else:
                    values[update["variable"]] = body.render(update.get("template", ""))
            ctx.emit(
                events.LoopRoundFinished(node.id, round_, ctx.run.redactor.shown(values), ctx.path)
            )
            after = Frame(frame, {node.id: {**values, "round": round_}})
            if self._breaks(ctx, after):
                break
        return Result({**values, "rounds": rounds})

    def _breaks(self, ctx, frame: Frame) -> bool:
        rules = ctx.config.get("break")
        if not rules:
            return False
        try:
            return conditions.evaluate(
                rules, ctx.config.get("break_logic", "and"), _Reader(ctx, frame).resolve
            )
        except conditions.ConditionError as exc:
            raise NodeError("condition", str(exc)) from None


class _Reader:
    """Reads values as a node inside a given frame would."""

    def __init__(self, ctx, frame: Frame) -> None:
        from privexbot.flows.engine import Context

        self._ctx = Context(ctx.run, ctx.node, ctx.kind, frame, ctx.path)

    def resolve(self, selector: str):
        return self._ctx.resolve(selector)

    def render(self, template: str) -> str:
        return self._ctx.render(template)
