"""A chatflow's graph as the domain keeps it: nodes {id, type, display_name, config, position,
parent_id} and edges {id, source, source_handle, target, target_handle}, stored as JSON.

Parsing checks only the shape (what the contract's field rules cannot: JSON sizes, types of
the stored form); what the graph means is the compiler's (compiler.py).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from privexbot.kernel.errors import InvalidArgument

MAX_NODES = 200
MAX_EDGES = 500
MAX_CONFIG_BYTES = 64 * 1024
DEFAULT_HANDLE = ""  # a node's one output, and every node's one input


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    config: dict = field(default_factory=dict)
    display_name: str = ""
    position: tuple[float, float] = (0.0, 0.0)
    parent_id: str = ""


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    source_handle: str = DEFAULT_HANDLE
    target_handle: str = DEFAULT_HANDLE


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    def record(self) -> dict:
        """As stored (JSON)."""
        return {
            "nodes": [{**asdict(n), "position": list(n.position)} for n in self.nodes],
            "edges": [asdict(e) for e in self.edges],
        }


def from_record(record: dict | None, field: str = "graph") -> Graph:
    """A graph from its stored or requested form; a malformed one is INVALID_ARGUMENT naming
    ``field`` (e.g. ``chatflow.graph``) and the node."""
    record = record or {}
    nodes, edges = record.get("nodes") or [], record.get("edges") or []
    if not isinstance(nodes, list) or not isinstance(edges, list):
        raise InvalidArgument.field(field, "must hold lists of nodes and edges")
    if len(nodes) > MAX_NODES:
        raise InvalidArgument.field(f"{field}.nodes", f"has more than {MAX_NODES} nodes")
    if len(edges) > MAX_EDGES:
        raise InvalidArgument.field(f"{field}.edges", f"has more than {MAX_EDGES} edges")
    parsed = []
    for i, node in enumerate(nodes):
        where = f"{field}.nodes[{i}]"
        if not isinstance(node, dict) or not isinstance(node.get("id"), str):
            raise InvalidArgument.field(where, "must be a node with an id")
        config = node.get("config") or {}
        if not isinstance(config, dict):
            raise InvalidArgument.field(f"{where}.config", f"node {node['id']}: must be an object")
        if len(json.dumps(config)) > MAX_CONFIG_BYTES:
            raise InvalidArgument.field(
                f"{where}.config", f"node {node['id']}: is larger than {MAX_CONFIG_BYTES} bytes"
            )
        config = _plain(config)
        position = node.get("position") or (0.0, 0.0)
        parsed.append(
            Node(
                node["id"],
                str(node.get("type") or ""),
                config,
                str(node.get("display_name") or ""),
                (float(position[0]), float(position[1])),
                str(node.get("parent_id") or ""),
            )
        )
    parsed_edges = []
    for i, edge in enumerate(edges):
        if not isinstance(edge, dict) or not all(
            isinstance(edge.get(k), str) for k in ("id", "source", "target")
        ):
            raise InvalidArgument.field(
                f"{field}.edges[{i}]", "must be an edge with an id, a source and a target"
            )
        parsed_edges.append(
            Edge(
                edge["id"],
                edge["source"],
                edge["target"],
                str(edge.get("source_handle") or ""),
                str(edge.get("target_handle") or ""),
            )
        )
    return Graph(tuple(parsed), tuple(parsed_edges))


def _plain(value):
    """JSON as the builder meant it: Struct numbers are doubles, but 16.0 tokens is 16."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
