"""Every node type by name."""

from __future__ import annotations

from privexbot.flows.nodes.base import NodeType
from privexbot.flows.nodes.basic import Answer, Assign, Condition, Memory, Merge, Start, Template
from privexbot.flows.nodes.code import Code
from privexbot.flows.nodes.containers import Iteration, Loop
from privexbot.flows.nodes.http import Http
from privexbot.flows.nodes.knowledge import Knowledge
from privexbot.flows.nodes.models import Classifier, Llm

_TYPES: dict[str, NodeType] = {}


def register(kind: NodeType) -> None:
    _TYPES[kind.name] = kind


for _kind in (
    Start, Llm, Classifier, Condition, Knowledge, Http, Code, Template, Assign, Memory,
    Iteration, Loop, Answer, Merge,
):  # fmt: skip
    register(_kind())


def get(name: str) -> NodeType | None:
    return _TYPES.get(name)


def names() -> list[str]:
    return sorted(_TYPES)
