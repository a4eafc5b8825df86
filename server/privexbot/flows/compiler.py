"""The compiler: checks a graph and, when it has no error, makes the plan the engine runs.

Checks (each problem an ``Issue`` naming the node, edge and config field): node and edge
ids unique; a known type and a config its schema accepts; exactly one start, at the top
level; a parent that is a loop or iteration; edges between existing nodes, leaving by a
handle the source has, never across a container's boundary; no cycle at the top level or
inside a container; every node reachable from start (or from its body's entries); every
variable reference names an output its node declares, with a matching type, of a node that
has surely run by then (it leads to the reader and runs whenever the reader runs: a value
from exclusive branches comes only through an explicit merge node); at least one answer node.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from privexbot.flows.graph import Edge, Graph, Node
from privexbot.flows.nodes import registry
from privexbot.flows.nodes.base import ERROR_HANDLE, NodeType
from privexbot.flows.nodes.schema import Ref, compatible

ERROR, WARNING = "error", "warning"
SYS_OUTPUTS = {"message": "string", "session": "string"}
# Container config fields that read the container's body.
BODY_FIELDS = ("output", "updates", "break")


@dataclass(frozen=True)
class Issue:
    severity: str
    code: str
    message: str
    node_id: str = ""
    edge_id: str = ""
    field: str = ""


@dataclass
class Scope:
    """The nodes of the top level ("") or of one container's body, wired."""

    container: str
    nodes: list[str] = field(default_factory=list)
    entries: list[str] = field(default_factory=list)
    incoming: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    outgoing: dict[str, list[Edge]] = field(default_factory=lambda: defaultdict(list))
    order: list[str] = field(default_factory=list)


@dataclass
class Plan:
    graph: Graph
    nodes: dict[str, Node]
    types: dict[str, NodeType]
    scopes: dict[str, Scope]
    conversation_variables: dict[str, dict]
    # answer node id -> the llm node whose text it relays as it is generated
    relays: dict[str, str] = field(default_factory=dict)

    @property
    def streaming(self) -> set[str]:
        return set(self.relays.values())


@dataclass
class Compiled:
    issues: list[Issue]
    plan: Plan | None

    @property
    def valid(self) -> bool:
        return self.plan is not None


def compile_graph(graph: Graph) -> Compiled:
    issues: list[Issue] = []
    nodes: dict[str, Node] = {}
    types: dict[str, NodeType] = {}

    def add(code, message, node_id="", edge_id="", field_="", severity=ERROR):
        issues.append(Issue(severity, code, message, node_id, edge_id, field_))

    for node in graph.nodes:
        if node.id in nodes:
            add("DUPLICATE_ID", f"node id {node.id} is used twice", node.id)
            continue
        nodes[node.id] = node
        kind = registry.get(node.type)
        if kind is None:
            known = ", ".join(registry.names())
            add("UNKNOWN_TYPE", f"unknown node type {node.type!r}; known: {known}", node.id)
            continue
        types[node.id] = kind
    refs: dict[str, list[Ref]] = defaultdict(list)
    for node_id, kind in types.items():
        for found in kind.check(nodes[node_id].config):
            if isinstance(found, Ref):
                refs[node_id].append(found)
            else:
                where, message = found
                add("BAD_CONFIG", f"{where}: {message}", node_id, field_=where)
    starts = [n for n in nodes.values() if n.type == "start"]
    if len(starts) != 1:
        add("START", f"a chatflow needs exactly one start node, not {len(starts)}")
    for node in nodes.values():
        if node.parent_id:
            parent = nodes.get(node.parent_id)
            if parent is None or node.parent_id not in types or not types[parent.id].container:
                add("BAD_PARENT", "parent_id must name a loop or iteration node", node.id)
            elif node.type == "start":
                add("START", "the start node belongs at the top level", node.id)
    if _nesting_cycle(nodes):
        add("BAD_PARENT", "containers are nested in a circle")
        return Compiled(issues, None)
    scopes = {"": Scope("")}
    for node_id, kind in types.items():
        if kind.container:
            scopes[node_id] = Scope(node_id)
    for node in nodes.values():
        if node.parent_id in scopes or not node.parent_id:
            scopes[node.parent_id].nodes.append(node.id)
    edge_ids = set()
    for edge in graph.edges:
        if edge.id in edge_ids:
            add("DUPLICATE_ID", f"edge id {edge.id} is used twice", edge_id=edge.id)
        edge_ids.add(edge.id)
        source, target = nodes.get(edge.source), nodes.get(edge.target)
        if source is None or target is None:
            missing = edge.source if source is None else edge.target
            add("DANGLING_EDGE", f"edge points at a missing node {missing!r}", edge_id=edge.id)
            continue
        if source.parent_id != target.parent_id:
            add(
                "CROSSES_CONTAINER",
                "an edge may not cross a loop or iteration boundary",
                edge.source,
                edge.id,
            )
            continue
        if edge.source in types:
            handles = set(types[edge.source].handles(source.config))
            if _policy(source) == "branch":
                handles.add(ERROR_HANDLE)
            if edge.source_handle not in handles:
                shown = ", ".join(repr(h) for h in sorted(handles))
                add("BAD_HANDLE", f"no output handle {edge.source_handle!r}; has {shown}",
                    edge.source, edge.id, "source_handle")  # fmt: skip
                continue
        if edge.target_handle not in ("", "in"):
            add("BAD_HANDLE", "a node has one input: target_handle must be empty",
                edge.target, edge.id, "target_handle")  # fmt: skip
            continue
        if edge.target == edge.source:
            add("CYCLE", "an edge from a node to itself makes a cycle", edge.source, edge.id)
            continue
        if target.type == "start":
            add("BAD_EDGE", "nothing may lead into the start node", edge.target, edge.id)
            continue
        scope = scopes.get(source.parent_id)
        if scope is not None:
            scope.outgoing[edge.source].append(edge)
            scope.incoming[edge.target].append(edge)
    for scope in scopes.values():
        _order(scope, add)
        _reachable(scope, nodes, add)
    if not any(n.type == "answer" for n in nodes.values()):
        add("NO_ANSWER", "a chatflow needs an answer node to reply")
    conversation = {}
    if len(starts) == 1:
        for variable in starts[0].config.get("conversation_variables") or []:
            if isinstance(variable, dict) and isinstance(variable.get("name"), str):
                conversation[variable["name"]] = variable
    if not any(i.severity == ERROR for i in issues):
        _check_references(nodes, types, scopes, refs, conversation, add)
    if any(i.severity == ERROR for i in issues):
        return Compiled(issues, None)
    plan = Plan(graph, nodes, types, scopes, conversation)
    plan.relays = _relays(plan, refs)
    return Compiled(issues, plan)


def _policy(node: Node) -> str:
    on_error = node.config.get("on_error")
    return on_error.get("policy", "fail") if isinstance(on_error, dict) else "fail"


def _nesting_cycle(nodes: dict[str, Node]) -> bool:
    for node in nodes.values():
        seen, at = set(), node
        while at is not None and at.parent_id:
            if at.id in seen:
                return True
            seen.add(at.id)
            at = nodes.get(at.parent_id)
    return False


def _order(scope: Scope, add) -> None:
    """Topological order (Kahn); whatever is left over lies on a cycle."""
    indegree = {n: len(scope.incoming[n]) for n in scope.nodes}
    ready = [n for n in scope.nodes if indegree[n] == 0]
    scope.entries = list(ready)
    while ready:
        node = ready.pop(0)
        scope.order.append(node)
        for edge in scope.outgoing[node]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                ready.append(edge.target)
    left = [n for n in scope.nodes if n not in scope.order]
    if left:
        where = f"inside {scope.container}" if scope.container else "at the top level"
        add("CYCLE", f"nodes {', '.join(left[:10])} form a cycle {where}; use a loop node",
            left[0])  # fmt: skip


def _reachable(scope: Scope, nodes: dict[str, Node], add) -> None:
    if scope.container:
        if not scope.nodes:
            add("EMPTY_BODY", "a loop or iteration needs nodes inside it", scope.container)
        return
    starts = [n for n in scope.entries if nodes[n].type == "start"]
    for node in scope.entries:
        if nodes[node].type != "start" and starts:
            add("UNREACHABLE", "no path from the start node leads here", node)


def surely_run(scope: Scope, groups: dict[str, list[set[str]]]) -> dict[str, set[str]]:
    """For each node of a scope (acyclic), the nodes that surely run whenever it runs.

    Forward: a node that runs makes what its edges lead to run: every target of an
    unconditional node; of a node with several handles (condition, classifier, error
    branch; ``groups``: its handles' edge sets), what every handle leads to alike.
    Backward: a node ran by one of its incoming edges, so what surely ran for all its
    predecessors did. Read together with ``_ancestors`` (the node finished before)."""
    forward: dict[str, set[str]] = {}
    for node in reversed(scope.order):
        after = [set().union(*(forward[t] for t in group)) for group in groups.get(node, ())]
        if node not in groups:
            after = [set().union(*(forward[e.target] for e in scope.outgoing[node]))]
        forward[node] = {node} | (set.intersection(*after) if after else set())
    sure: dict[str, set[str]] = {}
    for node in scope.order:
        preds = [e.source for e in scope.incoming[node]]
        found = set.intersection(*(sure[p] for p in preds)) if preds else set()
        found |= forward[node]
        sure[node] = found.union(*(forward[n] for n in found))
    return sure


def _handle_groups(scope: Scope, nodes, types) -> dict[str, list[set[str]]]:
    """For each node with several output handles, the targets of each handle's edges."""
    groups = {}
    for node_id in scope.nodes:
        handles = list(types[node_id].handles(nodes[node_id].config))
        if _policy(nodes[node_id]) == "branch":
            handles.append(ERROR_HANDLE)
        if len(handles) > 1:
            groups[node_id] = [
                {e.target for e in scope.outgoing[node_id] if e.source_handle == handle}
                for handle in handles
            ]
    return groups


def _ancestors(scope: Scope) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for node in scope.order:
        found[node] = {node}.union(
            *(found[e.source] for e in scope.incoming[node]),
        )
    return found


def _check_references(nodes, types, scopes, refs, conversation, add) -> None:
    doms = {
        key: surely_run(scope, _handle_groups(scope, nodes, types)) for key, scope in scopes.items()
    }
    ancestors = {key: _ancestors(scope) for key, scope in scopes.items()}
    for reader, found in refs.items():
        for ref in found:
            problem = _reference_problem(reader, ref, nodes, types, doms, ancestors, conversation)
            if problem:
                code, message = problem
                add(code, f"{ref.field}: {ref.source}.{ref.output}: {message}", reader,
                    field_=ref.field)  # fmt: skip


def _reference_problem(reader, ref, nodes, types, doms, ancestors, conversation):
    if ref.source == "sys":
        declared = SYS_OUTPUTS.get(ref.output)
        if declared is None:
            return "UNKNOWN_OUTPUT", f"sys has {', '.join(SYS_OUTPUTS)}"
        return _type_problem(declared, ref)
    if ref.source == "conv":
        variable = conversation.get(ref.output)
        if variable is None:
            return "UNKNOWN_VARIABLE", "declare it in the start node's conversation_variables"
        return _type_problem(variable.get("type", "any"), ref)
    source = nodes.get(ref.source)
    if source is None or ref.source not in types:
        return "UNKNOWN_NODE", "no such node"
    if types[reader].container and ref.field.split("[")[0].split(".")[0] in BODY_FIELDS:
        # What a container reads of its own body (an iteration's output, a loop's updates
        # and break rules): its inner outputs, or a body node's.
        if ref.source == reader:
            outputs = types[reader].inner_outputs(nodes[reader].config)
        elif source.parent_id == reader:
            outputs = declared_outputs(types[ref.source], source)
        else:
            outputs = None
        if outputs is not None:
            if ref.output not in outputs:
                return "UNKNOWN_OUTPUT", _outputs_hint(outputs)
            return _type_problem(outputs[ref.output], ref)
    # Walk out from the reader through its containers: the source is either in one of the
    # scopes on the way (then it must have run: dominate the reader or its container
    # there), or one of the containers themselves (then its inner outputs).
    at, merging = reader, types[reader].merges
    while True:
        node = nodes[at]
        if ref.source == node.parent_id:
            declared = types[ref.source].inner_outputs(source.config).get(ref.output)
            if declared is None:
                return "UNKNOWN_OUTPUT", _outputs_hint(
                    types[ref.source].inner_outputs(source.config)
                )
            return _type_problem(declared, ref)
        if source.parent_id == node.parent_id and ref.source != at:
            scope = node.parent_id
            if merging and at == reader:
                if ref.source not in ancestors[scope][at]:
                    return "NOT_UPSTREAM", "a merge reads nodes that lead to it"
            elif ref.source not in doms[scope][at] or ref.source not in ancestors[scope][at]:
                if ref.source in ancestors[scope][at]:
                    return "NOT_ALWAYS_RUN", (
                        "may be skipped (it is on one of several branches): read it "
                        "through a merge node"
                    )
                return "NOT_UPSTREAM", "does not run before this node"
            outputs = declared_outputs(types[ref.source], source)
            if ref.output not in outputs:
                return "UNKNOWN_OUTPUT", _outputs_hint(outputs)
            return _type_problem(outputs[ref.output], ref)
        if not node.parent_id:
            return "NOT_UPSTREAM", "does not run before this node"
        at = node.parent_id


def declared_outputs(kind: NodeType, node: Node) -> dict[str, str]:
    """A node's outputs; a node that may fail without failing the run adds what it gives
    then (the error's message and type, or its default outputs)."""
    outputs = dict(kind.outputs(node.config))
    policy = _policy(node)
    if policy == "branch":
        outputs.update(error_message="string", error_type="string")
    elif policy == "default":
        default = node.config["on_error"].get("default") or {}
        outputs = {k: v for k, v in outputs.items() if k in default}
    return outputs


def _outputs_hint(outputs: dict) -> str:
    return "no such output; it has " + (", ".join(outputs) or "none")


def _type_problem(declared: str, ref: Ref):
    if not compatible(declared, ref.expected):
        return "TYPE_MISMATCH", f"is a {declared}, this field needs a {ref.expected}"
    return None


def _relays(plan: Plan, refs: dict[str, list[Ref]]) -> dict[str, str]:
    """Answer nodes whose text is exactly one top-level llm node's text stream it live."""
    from privexbot.flows import references

    relays = {}
    for node_id, node in plan.nodes.items():
        text = node.config.get("text")
        if node.type != "answer" or node.parent_id or not isinstance(text, str):
            continue
        inner = text.strip().removeprefix("{{").removesuffix("}}").strip()
        found = references.SELECTOR.fullmatch(inner)
        if not (found and text.strip().startswith("{{") and found.group(2) == "text"):
            continue
        source = plan.nodes.get(found.group(1))
        incoming = plan.scopes[""].incoming[node_id]
        # Streamed only when the answer surely follows the llm: its one edge comes from it.
        if (
            source is not None
            and source.type == "llm"
            and [(e.source, e.source_handle) for e in incoming] == [(source.id, "")]
            and source.id not in relays.values()
        ):
            relays[node_id] = source.id
    return relays
