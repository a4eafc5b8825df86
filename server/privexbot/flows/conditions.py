"""Structured rules from the builder, compiled to CEL (``common-expression-language``: a
Rust implementation, no eval, no side effects, regular expressions in a linear-time engine).

A rule is ``{"left": "node.output", "op": "contains", "right": <literal>}`` or with
``"right_ref": "node.output"``. Operands are never pasted into the expression: the
expression names variables (``l0``, ``r0``...) bound to the values at evaluation, so no
value can change what is evaluated. ``matches`` patterns are at most 200 characters and
match against at most 10,000 characters of input.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

import cel

from privexbot.flows.nodes.schema import Ref, S

MAX_PATTERN = 200
MAX_SUBJECT = 10_000
OPS = {
    "eq": "{l} == {r}",
    "ne": "{l} != {r}",
    "gt": "{l} > {r}",
    "ge": "{l} >= {r}",
    "lt": "{l} < {r}",
    "le": "{l} <= {r}",
    "contains": "{l}.contains({r})",
    "not_contains": "!{l}.contains({r})",
    "starts_with": "{l}.startsWith({r})",
    "ends_with": "{l}.endsWith({r})",
    "matches": "{l}.matches({r})",
    "in": "{l} in {r}",
    "is_empty": "size({l}) == 0",
    "not_empty": "size({l}) > 0",
    "is_true": "{l} == true",
    "is_false": "{l} == false",
}
UNARY = {"is_empty", "not_empty", "is_true", "is_false"}
NUMERIC = {"gt", "ge", "lt", "le"}

RULE = S(
    "obj",
    fields={
        "left": S("selector", required=True, max_len=200),
        "op": S("enum", required=True, values=tuple(OPS)),
        "right": S("any"),
        "right_ref": S("selector", max_len=200),
    },
)
RULES = S("list", min=1, max=20, item=RULE)
CASE = S(
    "obj",
    fields={
        "id": S("str", required=True, max_len=64),
        "logic": S("enum", values=("and", "or")),
        "rules": RULES,
    },
)


class ConditionError(ValueError):
    pass


def check_rules(rules: list, where: str) -> Iterator[tuple[str, str] | Ref]:
    """Problems with rules beyond their schema: an operand each op needs, patterns capped."""
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        if not isinstance(rule, dict) or rule.get("op") not in OPS:
            continue
        at = f"{where}[{i}]"
        op = rule["op"]
        has_right = "right" in rule or "right_ref" in rule
        if op not in UNARY and not has_right:
            yield f"{at}.right", f"the operator {op} needs a right operand"
        if op == "matches" and isinstance(rule.get("right"), str):
            if len(rule["right"]) > MAX_PATTERN:
                yield f"{at}.right", f"a pattern is at most {MAX_PATTERN} characters"
            else:
                try:
                    compiled("l0.matches(r0)")
                    cel.evaluate("l0.matches(r0)", {"l0": "", "r0": rule["right"]})
                except Exception:
                    yield f"{at}.right", "is not a valid regular expression (RE2 syntax)"
        if op in NUMERIC and "right" in rule and not isinstance(rule["right"], int | float):
            yield f"{at}.right", f"the operator {op} compares numbers"


@lru_cache(maxsize=1024)
def compiled(expression: str):
    return cel.compile(expression)


def expression(rules: list, logic: str = "and") -> str:
    """The CEL expression of ``rules`` over variables l0, r0, l1, r1..."""
    parts = [
        "(" + OPS[rule["op"]].format(l=f"l{i}", r=f"r{i}") + ")" for i, rule in enumerate(rules)
    ]
    return (" && " if logic != "or" else " || ").join(parts)


def _operand(value):
    if isinstance(value, str):
        return value[:MAX_SUBJECT]
    if isinstance(value, bool | int | float | list | dict) or value is None:
        return value
    return str(value)


def evaluate(rules: list, logic: str, resolve) -> bool:
    """Whether ``rules`` hold; ``resolve(selector)`` reads a referenced value."""
    bindings = {}
    for i, rule in enumerate(rules):
        left = _operand(resolve(rule["left"]))
        right = resolve(rule["right_ref"]) if rule.get("right_ref") else rule.get("right")
        right = _operand(right)
        if rule["op"] in NUMERIC and isinstance(left, str):
            try:
                left = float(left)
            except ValueError:
                raise ConditionError(f"{rule['left']} is not a number") from None
        if isinstance(left, int | float) and isinstance(right, int | float):
            left, right = float(left), float(right)  # CEL has no int/double comparison
        if left is None:  # a skipped branch's output reads as empty
            left = ""
        bindings[f"l{i}"], bindings[f"r{i}"] = left, right if right is not None else ""
    try:
        result = compiled(expression(rules, logic)).execute(cel.Context(bindings))
    except Exception as exc:
        raise ConditionError(f"the rules cannot be evaluated: {str(exc)[:200]}") from None
    return result is True
