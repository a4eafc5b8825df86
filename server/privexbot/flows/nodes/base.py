"""What every node type is: a config schema, its output handles and declared outputs (with
types, for the compiler's reference checks), and ``run``, a coroutine over a ``Context``.

A node fails by raising ``NodeError`` with a type (``timeout``, ``http``, ``model``,
``code``, ``template``, ``input``...); the engine applies the node's retry and error
policy. Anything else a node raises is a failure of type ``internal``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from privexbot.flows.graph import DEFAULT_HANDLE, Node
from privexbot.flows.nodes.schema import Field, Ref, check_object

if TYPE_CHECKING:
    from privexbot.flows.engine import Context

ERROR_HANDLE = "error"


class NodeError(Exception):
    """A node failed; ``kind`` says how (retry policies select on it)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind, self.message = kind, message


@dataclass(frozen=True)
class Result:
    outputs: dict
    # The output handles taken: edges leaving by others are SKIPPED.
    handles: tuple[str, ...] = (DEFAULT_HANDLE,)


class NodeType:
    """One kind of node. Subclasses set ``name``, ``fields``, ``doc`` and ``run``."""

    name: ClassVar[str]
    doc: ClassVar[str]
    fields: ClassVar[dict[str, Field]] = {}
    # Loop and iteration hold a body (nodes whose parent_id is theirs).
    container: ClassVar[bool] = False
    default_timeout_ms: ClassVar[int] = 30_000
    # Its references need not dominate it (a merge reads whichever branch ran).
    merges: ClassVar[bool] = False

    def handles(self, config: dict) -> tuple[str, ...]:
        """The output handles edges may leave by (besides ``error``, with that policy)."""
        return (DEFAULT_HANDLE,)

    def outputs(self, config: dict) -> dict[str, str]:
        """Declared outputs and their types, as the nodes after this one see them."""
        return {}

    def inner_outputs(self, config: dict) -> dict[str, str]:
        """Containers: what the body's nodes read of the container (item, round...)."""
        return {}

    def check(self, config: dict) -> Iterator[tuple[str, str] | Ref]:
        """Problems and references in ``config``; subclasses add their own rules."""
        from privexbot.flows.nodes.schema import COMMON

        yield from check_object(config, {**self.fields, **COMMON}, "")

    async def run(self, ctx: Context) -> Result:
        raise NotImplementedError


def config_of(node: Node, key: str, default: Any = None) -> Any:
    value = node.config.get(key)
    return default if value is None else value
