"""Variable references in node configs and how templates render them.

A reference names a node's declared output, ``node_id.output`` (``llm1.text``), a
conversation variable ``conv.name``, or the run's ``sys.message`` / ``sys.session``.
Selector fields hold one reference; template fields (Jinja2, in a sandboxed environment:
no attribute access to Python internals, no imports, bounded output) embed them as
``{{ llm1.text }}``. The compiler finds every reference (``in_template``) and checks it;
the engine renders with the run's values.
"""

from __future__ import annotations

import re
from functools import lru_cache

from jinja2 import nodes as jnodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

SELECTOR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)")
NAMESPACES = ("conv", "sys")
MAX_RENDERED = 100_000


class TemplateProblem(ValueError):
    """A template that does not parse or render."""


class _Environment(ImmutableSandboxedEnvironment):
    """Jinja2's immutable sandbox: no attribute of Python internals, no mutation of values."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator in ("*", "**"):  # "x" * 10**9 and 9**9**9: refused outright
            if isinstance(left, str | list) or isinstance(right, str | list) or operator == "**":
                raise SecurityError(f"the operator {operator} is not allowed in templates")
        return super().call_binop(context, operator, left, right)


_env = _Environment(autoescape=False, keep_trailing_newline=True)


@lru_cache(maxsize=2048)
def _parsed(source: str) -> jnodes.Template:
    try:
        return _env.parse(source)
    except TemplateError as exc:
        raise TemplateProblem(f"does not parse: {exc.message or exc}") from None


@lru_cache(maxsize=2048)
def _compiled(source: str):
    _parsed(source)
    return _env.from_string(source)


def in_template(source: str) -> list[tuple[str, str]]:
    """The (node or namespace, output) pairs a template reads; a bare name that is not a
    reference (``loop`` variables of a for-loop inside the template) is left out."""
    tree = _parsed(source)
    local = {n.name for n in tree.find_all(jnodes.Name) if n.ctx in ("store", "param")}
    found = []
    for node in tree.find_all(jnodes.Getattr):
        if isinstance(node.node, jnodes.Name) and node.node.name not in local:
            found.append((node.node.name, node.attr))
    return list(dict.fromkeys(found))


def check_template(source: str) -> None:
    _parsed(source)


def render(source: str, values: dict) -> str:
    """``source`` rendered with ``values`` ({node id: {output: value}}, plus ``conv``, ``sys``)."""
    if "{" not in source:
        return source
    try:
        text = _compiled(source).render(values)
    except (TemplateError, TypeError, ValueError, ArithmeticError) as exc:
        raise TemplateProblem(f"does not render: {type(exc).__name__}: {str(exc)[:200]}") from None
    return text[:MAX_RENDERED]


def parse_selector(value: str) -> tuple[str, str] | None:
    """A selector's (node or namespace, output), or None when it is not one."""
    found = SELECTOR.fullmatch(value.strip()) if isinstance(value, str) else None
    return (found.group(1), found.group(2)) if found else None
