"""Node types that only move values: start, answer, template, merge, variable assign,
memory, condition."""

from __future__ import annotations

from privexbot.flows import conditions, events
from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import Ref, S
from privexbot.knowledge.search import ScoredCitation

VARIABLE = S(
    "obj",
    fields={
        "name": S("str", required=True, max_len=64),
        "type": S("type"),
        "required": S("bool"),
        "default": S("any"),
    },
)
MAX_VARIABLE_ITEMS = 100


class Start(NodeType):
    name = "start"
    doc = (
        "Where a run begins: the user's message and the run's declared inputs (with "
        "defaults); declares the conversation variables kept per chat session."
    )
    fields = {
        "inputs": S("list", max=50, item=VARIABLE),
        "conversation_variables": S("list", max=50, item=VARIABLE),
    }
    default_timeout_ms = 1000

    def outputs(self, config: dict) -> dict[str, str]:
        declared = {v["name"]: v.get("type", "any") for v in config.get("inputs") or []}
        return {"message": "string", **declared}

    async def run(self, ctx) -> Result:
        outputs = {"message": ctx.run.sys["message"]}
        for variable in ctx.config.get("inputs") or []:
            name = variable["name"]
            if name in ctx.run.inputs:
                outputs[name] = ctx.run.inputs[name]
            elif variable.get("required"):
                raise NodeError("input", f"the input {name} is required")
            else:
                outputs[name] = variable.get("default")
        return Result(outputs)


class Answer(NodeType):
    name = "answer"
    doc = (
        "Streams text to the caller (a template; an llm's text it relays token by token) "
        "and the citations of the knowledge nodes it names."
    )
    fields = {
        "text": S("template", required=True, max_len=20_000),
        "citations_from": S("list", max=10, item=S("str", max_len=64)),
    }
    default_timeout_ms = 5000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"text": "string"}

    def check(self, config: dict):
        yield from super().check(config)
        for i, source in enumerate(config.get("citations_from") or []):
            if isinstance(source, str):
                yield Ref(source, "citations", f"citations_from[{i}]", "array")

    async def run(self, ctx) -> Result:
        relayed = ctx.run.plan.relays.get(ctx.node.id)
        if relayed is not None:
            text = ctx.resolve(f"{relayed}.text", "")
        else:
            text = ctx.render(ctx.config["text"])
            if text:
                ctx.emit(events.Delta(text))
        ctx.run.totals.answers.append(text)
        cited = []
        for source in ctx.config.get("citations_from") or []:
            cited.extend(ctx.resolve(f"{source}.citations", []) or [])
        if cited:
            ctx.emit(events.Cited([ScoredCitation.from_record(c) for c in cited]))
        return Result({"text": text})


class Template(NodeType):
    name = "template"
    doc = "Renders a Jinja2 template (sandboxed: no Python internals, bounded output)."
    fields = {"template": S("template", required=True, max_len=20_000)}
    default_timeout_ms = 5000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"text": "string"}

    async def run(self, ctx) -> Result:
        return Result({"text": ctx.render(ctx.config["template"])})


class Merge(NodeType):
    name = "merge"
    doc = (
        "Joins exclusive branches: its value is the first of its inputs whose node ran "
        "(the one way to read a value from one of several branches)."
    )
    fields = {"inputs": S("list", required=True, min=1, max=20, item=S("selector"))}
    merges = True
    default_timeout_ms = 1000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"value": "any"}

    async def run(self, ctx) -> Result:
        missing = object()
        for selector in ctx.config["inputs"]:
            value = ctx.resolve(selector, missing)
            if value is not missing:
                return Result({"value": value})
        return Result({"value": None})


class Assign(NodeType):
    name = "assign"
    doc = (
        "Sets, appends to or clears conversation variables (kept per chat session, shared "
        "by every branch, round and item of the run)."
    )
    fields = {
        "assignments": S(
            "list",
            required=True,
            min=1,
            max=20,
            item=S(
                "obj",
                fields={
                    "variable": S("str", required=True, max_len=64),
                    "op": S("enum", values=("set", "append", "clear")),
                    "value": S("selector"),
                    "template": S("template", max_len=10_000),
                },
            ),
        )
    }
    default_timeout_ms = 1000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"variables": "object"}

    def check(self, config: dict):
        yield from super().check(config)
        for i, item in enumerate(config.get("assignments") or []):
            if isinstance(item, dict) and isinstance(item.get("variable"), str):
                yield Ref("conv", item["variable"], f"assignments[{i}].variable")

    async def run(self, ctx) -> Result:
        run = ctx.run
        async with run.conversation_lock:  # one shared store: no item works on a copy
            for item in ctx.config["assignments"]:
                name, op = item["variable"], item.get("op", "set")
                if op == "clear":
                    run.conversation[name] = None
                    continue
                if "value" in item:
                    value = ctx.resolve(item["value"])
                else:
                    value = ctx.render(item.get("template", ""))
                if op == "append":
                    current = run.conversation.get(name) or []
                    if not isinstance(current, list):
                        raise NodeError("input", f"conv.{name} is not a list")
                    if len(current) >= MAX_VARIABLE_ITEMS:
                        current = current[1:]
                    value = [*current, value]
                run.conversation[name] = value
            return Result({"variables": dict(run.conversation)})


class Memory(NodeType):
    name = "memory"
    doc = "The chat session's recent messages (a window), as a list and as text."
    fields = {"window": S("int", min=0, max=100)}
    default_timeout_ms = 1000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"messages": "array", "text": "string"}

    async def run(self, ctx) -> Result:
        window = ctx.config.get("window", 10)
        recent = ctx.services.history[-window:] if window else []
        messages = [{"role": m.role, "content": m.content} for m in recent]
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages)
        return Result({"messages": messages, "text": text})


class Condition(NodeType):
    name = "condition"
    doc = (
        "Takes the handle of the first case whose rules hold, else 'else'; rules are "
        "structured (left operand, operator, right operand) and compiled to CEL."
    )
    fields = {"cases": S("list", required=True, min=1, max=20, item=conditions.CASE)}
    default_timeout_ms = 1000

    def handles(self, config: dict) -> tuple[str, ...]:
        ids = [c["id"] for c in config.get("cases") or [] if isinstance(c, dict) and "id" in c]
        return (*ids, "else")

    def outputs(self, config: dict) -> dict[str, str]:
        return {"case": "string"}

    def check(self, config: dict):
        yield from super().check(config)
        seen = set()
        for i, case in enumerate(config.get("cases") or []):
            if not isinstance(case, dict):
                continue
            if case.get("id") in seen or case.get("id") == "else":
                yield f"cases[{i}].id", "must be unique and not 'else'"
            seen.add(case.get("id"))
            yield from conditions.check_rules(case.get("rules"), f"cases[{i}].rules")

    async def run(self, ctx) -> Result:
        for case in ctx.config["cases"]:
            try:
                holds = conditions.evaluate(case["rules"], case.get("logic", "and"), ctx.resolve)
            except conditions.ConditionError as exc:
                raise NodeError("condition", str(exc)) from None
            if holds:
                return Result({"case": case["id"]}, (case["id"],))
        return Result({"case": "else"}, ("else",))
