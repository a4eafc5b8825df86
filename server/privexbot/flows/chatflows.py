"""Chatflows: finalized from drafts, edited, published as immutable versions (listed, rolled
back to), deleted (``bots.published`` holds what chatbots share). Runs always use the
published version. A graph with errors is refused before anything is written:
INVALID_ARGUMENT with a field violation per issue, naming the node, when the request carries
it (UpdateChatflow); FAILED_PRECONDITION (GRAPH_INVALID) when it was stored before
(finalize, publish)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from privexbot.bots.published import DeployedView, Published
from privexbot.flows import compiler
from privexbot.flows import graph as graphs
from privexbot.flows.drafts import FlowDraft
from privexbot.kernel import resources, standard
from privexbot.kernel.errors import FailedPrecondition, FieldViolation, InvalidArgument
from privexbot.kernel.resources import Scope
from privexbot.store.flow_models import Chatflow, ChatflowVersion

_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


@dataclass(frozen=True)
class ChatflowView(DeployedView, pattern=resources.CHATFLOW):
    display_name: str
    description: str
    graph: dict  # the working graph (UpdateChatflow edits it)
    allowed_origins: list
    published_graph: dict | None  # the graph runs use


def compiled(record: dict, field: str, stored: bool) -> compiler.Plan:
    """The plan of a graph, or the refusal naming every issue (see the module doc)."""
    graph = graphs.from_record(record, field)
    result = compiler.compile_graph(graph)
    if result.valid:
        return result.plan
    errors = [i for i in result.issues if i.severity == compiler.ERROR]
    if stored:
        first = errors[0]
        raise FailedPrecondition(
            "GRAPH_INVALID",
            f"the graph has {len(errors)} error(s), e.g. "
            f"{first.node_id or first.edge_id or 'graph'}: {first.message[:200]}; "
            "ValidateChatflow lists them",
            {"issues": str(len(errors)), "node": first.node_id, "code": first.code},
        )
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    edges = {edge.id: i for i, edge in enumerate(graph.edges)}
    violations = []
    for issue in errors:
        if issue.node_id in index:
            where = f"{field}.nodes[{index[issue.node_id]}]"
            where += f".config.{issue.field}" if issue.field and not issue.edge_id else ""
        elif issue.edge_id in edges:
            where = f"{field}.edges[{edges[issue.edge_id]}]"
        else:
            where = field
        who = f"node {issue.node_id}: " if issue.node_id else ""
        violations.append(FieldViolation(where, f"{who}{issue.message[:300]} ({issue.code})"))
    raise InvalidArgument(
        "GRAPH_INVALID",
        "; ".join(f"{v.field} {v.description}" for v in violations[:5]),
        violations=violations,
    )


def check_origins(origins: list, field: str) -> list:
    for origin in origins:
        if origin != "*" and not _ORIGIN.fullmatch(origin):
            raise InvalidArgument.field(field, f"{origin[:100]!r} is not an origin or *")
    return list(dict.fromkeys(origins))


class Chatflows(Published):
    model, version_model, content = Chatflow, ChatflowVersion, "graph"
    pattern, kind, view = resources.CHATFLOW, "chatflow", ChatflowView
    updatable = {"display_name", "description", "graph", "allowed_origins"}

    async def _check_draft(self, scope: Scope, draft: FlowDraft) -> None:
        if not draft.display_name.strip():
            raise FailedPrecondition(
                "DRAFT_INCOMPLETE",
                "display_name is required to finalize",
                {"field": "chatflow_draft.display_name"},
            )
        compiled(draft.graph, "chatflow_draft.graph", stored=True)

    def _check_publishable(self, row: Chatflow) -> None:
        compiled(row.graph, "chatflow.graph", stored=True)

    def _fields_from(self, draft: FlowDraft) -> dict:
        return {"display_name": draft.display_name, "description": draft.description}

    async def update(
        self, scope: Scope, flow_id: str, fields: dict, paths: list[str], given_etag: str
    ) -> ChatflowView:
        standard.check_mask(paths, self.updatable)
        values = dict(fields)
        if "graph" in paths:
            compiled(values["graph"], "chatflow.graph", stored=False)
            values["graph"] = graphs.from_record(values["graph"], "chatflow.graph").record()
        if "allowed_origins" in paths:
            values["allowed_origins"] = check_origins(
                values["allowed_origins"], "chatflow.allowed_origins"
            )
        if "display_name" in paths and not values["display_name"].strip():
            raise InvalidArgument.field("chatflow.display_name", "is required")
        async with self._sessions() as session, session.begin():
            flow, published = await self._row(session, scope, flow_id)
            self._methods.update(session, flow, values, paths, given_etag)
        return self._view(flow, published)
