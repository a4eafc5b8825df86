"""Node types that ask a model (the enclave, through the inference gateway): llm and
classifier. Tokens count against the workspace like any completion; the attestation
verdict of the first call is the run's."""

from __future__ import annotations

import re

from privexbot.flows import events
from privexbot.flows.nodes.base import NodeError, NodeType, Result
from privexbot.flows.nodes.schema import S
from privexbot.inference import gateway
from privexbot.kernel.errors import DomainError

DEFAULT_MAX_TOKENS = 256
MODEL_FIELDS = {
    "model": S("str", max_len=128),
    "temperature": S("num", min=0, max=2),
    "max_tokens": S("int", min=1, max=8192),
}


async def complete(ctx, messages: list[gateway.Message], stream: bool) -> str:
    """The model's reply to ``messages``; its deltas go to the caller when ``stream``."""
    config = ctx.config
    params = gateway.Params(
        model=config.get("model", ""),
        temperature=config.get("temperature"),
        max_tokens=config.get("max_tokens", DEFAULT_MAX_TOKENS),
    )
    totals, parts = ctx.run.totals, []
    totals.calls += 1
    try:
        async for event in ctx.services.inference.stream_chat(ctx.services.scope, messages, params):
            match event:
                case gateway.Attested(verdict=verdict):
                    if totals.verdict is None:
                        totals.verdict = verdict
                case gateway.Delta(text=text):
                    parts.append(text)
                    if stream:
                        ctx.emit(events.Delta(text))
                case gateway.Usage(prompt_tokens=p, completion_tokens=c):
                    totals.prompt_tokens += p
                    totals.completion_tokens += c
    except DomainError as exc:
        raise NodeError("model", exc.message) from None
    return "".join(parts)


class Llm(NodeType):
    name = "llm"
    doc = (
        "Asks a chat model of the workspace's inference endpoint: a system and a user "
        "template, temperature, max tokens; its text streams when an answer relays it."
    )
    fields = {
        **MODEL_FIELDS,
        "system": S("template", max_len=20_000),
        "user": S("template", max_len=20_000),
        # Put the session's recent messages (memory node output) before the user message.
        "history": S("selector", expects="array"),
    }
    default_timeout_ms = 120_000

    def outputs(self, config: dict) -> dict[str, str]:
        return {"text": "string"}

    async def run(self, ctx) -> Result:
        messages = []
        system = ctx.render(ctx.config.get("system", ""))
        if system.strip():
            messages.append(gateway.Message("system", system))
        if ctx.config.get("history"):
            for item in ctx.resolve(ctx.config["history"], []) or []:
                if isinstance(item, dict) and item.get("role") in ("user", "assistant"):
                    messages.append(gateway.Message(item["role"], str(item.get("content", ""))))
        user = ctx.render(ctx.config.get("user", "{{ sys.message }}"))
        messages.append(gateway.Message("user", user))
        stream = ctx.node.id in ctx.run.plan.streaming
        return Result({"text": await complete(ctx, messages, stream)})


CATEGORY = S(
    "obj",
    fields={
        "id": S("str", required=True, max_len=64),
        "name": S("str", required=True, max_len=100),
        "description": S("str", max_len=500),
    },
)
WORD = re.compile(r"[a-z0-9]+")


class Classifier(NodeType):
    name = "classifier"
    doc = (
        "A model picks one of named categories for the input; the node takes that "
        "category's handle (a reply naming none falls back to word overlap)."
    )
    fields = {
        **MODEL_FIELDS,
        "input": S("template", max_len=10_000),
        "categories": S("list", required=True, min=2, max=20, item=CATEGORY),
        "instructions": S("str", max_len=2000),
    }
    default_timeout_ms = 60_000

    def handles(self, config: dict) -> tuple[str, ...]:
        return tuple(
            c["id"] for c in config.get("categories") or [] if isinstance(c, dict) and "id" in c
        )

    def outputs(self, config: dict) -> dict[str, str]:
        return {"category": "string", "reply": "string"}

    def check(self, config: dict):
        yield from super().check(config)
        ids = self.handles(config)
        if len(set(ids)) != len(ids):
            yield "categories", "category ids must be unique"

    async def run(self, ctx) -> Result:
        categories = ctx.config["categories"]
        text = ctx.render(ctx.config.get("input", "{{ sys.message }}"))
        listing = "\n".join(
            f"{i}. {c['name']}" + (f": {c['description']}" if c.get("description") else "")
            for i, c in enumerate(categories, 1)
        )
        system = (
            "Classify the user's message into exactly one of these categories:\n"
            f"{listing}\nReply with the category's number and name only. "
            + ctx.config.get("instructions", "")
        )
        config = {"max_tokens": 8, "temperature": 0, **ctx.config}
        reply = await complete(
            _Overridden(ctx, config),
            [gateway.Message("system", system), gateway.Message("user", text)],
            False,
        )
        chosen = pick(categories, reply, text)
        return Result({"category": chosen["id"], "reply": reply}, (chosen["id"],))


class _Overridden:
    """``ctx`` with other config values (defaults a classifier asks the model with)."""

    def __init__(self, ctx, config: dict) -> None:
        self._ctx, self.config = ctx, config

    def __getattr__(self, name):
        return getattr(self._ctx, name)


def pick(categories: list[dict], reply: str, text: str) -> dict:
    """The category the model's reply names (by number or name); else the one whose name and
    description share the most words with the input; else the first."""
    said = reply.lower()
    number = re.search(r"\d+", said)
    if number and 1 <= int(number.group()) <= len(categories):
        return categories[int(number.group()) - 1]
    named = [c for c in categories if c["name"].lower() in said]
    if len(named) == 1:
        return named[0]
    words = _stems(text)

    def overlap(category: dict) -> int:
        return len(words & _stems(f"{category['name']} {category.get('description', '')}"))

    best = max(categories, key=overlap)
    if overlap(best) == 0:
        raise NodeError("model", "the model's reply names no category")
    return best


def _stems(text: str) -> set[str]:
    """Words cut to a crude stem (refunds, refund -> refund; charges -> charg)."""
    stems = set()
    for word in WORD.findall(text.lower()):
        for suffix in ("ing", "es", "ed", "s", "e"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        stems.add(word)
    return stems
