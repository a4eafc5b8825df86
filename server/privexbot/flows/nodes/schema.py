"""Config schemas of node types: each field's kind and limits, checked at compile time, and
the variable references a config holds (selectors and templates) with the type each
expects. A check yields (field path, message) problems; nothing here raises.

Every node type also takes the engine's own fields: ``timeout_ms``, ``retry`` and
``on_error`` (``COMMON``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from privexbot.flows import references

TYPES = ("string", "number", "boolean", "object", "array", "any")


def compatible(declared: str, expected: str) -> bool:
    return "any" in (declared, expected) or declared == expected


@dataclass(frozen=True)
class Ref:
    """A reference found in a config: what it names, where, and the type it must have."""

    source: str  # a node id, or "conv" / "sys"
    output: str
    field: str
    expected: str = "any"


@dataclass(frozen=True)
class Field:
    kind: str  # str | int | num | bool | enum | template | selector | list | obj | any | type
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_len: int = 10_000
    values: tuple = ()
    item: Field | None = None  # lists
    fields: dict | None = None  # objects (None: any keys, values ``item``)
    expects: str = "any"  # selectors: the type the referenced output must have

    def check(self, value, where: str) -> Iterator[tuple[str, str] | Ref]:
        kind = self.kind
        if kind == "any":
            return
        if kind in ("str", "template", "selector", "enum", "type"):
            if not isinstance(value, str):
                yield where, "must be a string"
                return
            if len(value) > self.max_len:
                yield where, f"is longer than {self.max_len} characters"
            if kind == "enum" and value not in self.values:
                yield where, f"must be one of {', '.join(map(str, self.values))}"
            if kind == "type" and value not in TYPES:
                yield where, f"must be one of {', '.join(TYPES)}"
            if kind == "template":
                try:
                    found = references.in_template(value)
                except references.TemplateProblem as exc:
                    yield where, str(exc)
                    return
                for source, output in found:
                    yield Ref(source, output, where)
            if kind == "selector":
                parsed = references.parse_selector(value)
                if parsed is None:
                    yield where, "must name an output like node_id.output"
                else:
                    yield Ref(parsed[0], parsed[1], where, self.expects)
        elif kind in ("int", "num"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                yield where, "must be a number"
                return
            if kind == "int" and value != int(value):
                yield where, "must be a whole number"
            if self.min is not None and value < self.min:
                yield where, f"must be at least {self.min:g}"
            if self.max is not None and value > self.max:
                yield where, f"must be at most {self.max:g}"
        elif kind == "bool":
            if not isinstance(value, bool):
                yield where, "must be true or false"
        elif kind == "list":
            if not isinstance(value, list):
                yield where, "must be a list"
                return
            if self.max is not None and len(value) > self.max:
                yield where, f"has more than {self.max:g} items"
            if self.min is not None and len(value) < self.min:
                yield where, f"needs at least {self.min:g} item(s)"
            for i, item in enumerate(value):
                yield from self.item.check(item, f"{where}[{i}]")
        elif kind == "obj":
            if not isinstance(value, dict):
                yield where, "must be an object"
                return
            yield from check_object(value, self.fields, where, self.item, self.max)


def check_object(
    value: dict, fields: dict | None, where: str, item: Field | None = None, max_keys=None
) -> Iterator[tuple[str, str] | Ref]:
    prefix = f"{where}." if where else ""
    if fields is None:
        if max_keys is not None and len(value) > max_keys:
            yield where, f"has more than {max_keys:g} entries"
        for key, each in value.items():
            yield from item.check(each, f"{prefix}{key}")
        return
    for key in value:
        if key not in fields:
            yield f"{prefix}{key}", "is not a field of this node type"
    for key, spec in fields.items():
        if key not in value or value[key] is None:
            if spec.required:
                yield f"{prefix}{key}", "is required"
            continue
        yield from spec.check(value[key], f"{prefix}{key}")


def S(kind: str, **kw) -> Field:  # noqa: N802 - a schema's shorthand
    return Field(kind, **kw)


RETRY = S(
    "obj",
    fields={
        "max_attempts": S("int", required=True, min=1, max=10),
        "backoff_ms": S("int", min=0, max=60_000),
        "max_backoff_ms": S("int", min=0, max=300_000),
        "jitter": S("bool"),
        # Which failures to retry: error types (timeout, http, model, code, template, ...);
        # every type when empty.
        "on": S("list", max=20, item=S("str", max_len=32)),
    },
)
ON_ERROR = S(
    "obj",
    fields={
        "policy": S("enum", required=True, values=("fail", "branch", "default")),
        # policy "default": the outputs to use instead of the failed node's.
        "default": S("obj", item=S("any"), max=50),
    },
)
COMMON = {
    "timeout_ms": S("int", min=1, max=600_000),
    "retry": RETRY,
    "on_error": ON_ERROR,
}
