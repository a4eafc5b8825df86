"""Chatflows: finalized from drafts, edited, published as immutable versions (listed, rolled
back to), deleted. Runs always use the published version. A graph with errors is refused
before anything is written: INVALID_ARGUMENT with a field violation per issue, naming the
node, when the request carries it (UpdateChatflow); FAILED_PRECONDITION (GRAPH_INVALID)
when it was stored before (finalize, publish)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from privexbot.bots.widget import new_publishable_key
from privexbot.flows import compiler
from privexbot.flows import graph as graphs
from privexbot.flows.drafts import FlowDrafts
from privexbot.kernel import resources, standard
from privexbot.kernel.calls import current
from privexbot.kernel.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    not_found,
)
from privexbot.kernel.resources import Scope
from privexbot.kernel.standard import check_etag
from privexbot.kernel.views import InWorkspace, from_row
from privexbot.store import audit, idempotency
from privexbot.store.flow_models import Chatflow, ChatflowVersion
from privexbot.tenancy import plans

UPDATABLE = {"display_name", "description", "graph", "allowed_origins"}
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


@dataclass(frozen=True)
class ChatflowView(InWorkspace, pattern=resources.CHATFLOW):
    display_name: str
    description: str
    graph: dict
    allowed_origins: list
    published_version: int
    published_graph: dict | None
    published_at: datetime | None
    publishable_key_prefix: str
    creator_id: str
    created_at: datetime
    updated_at: datetime
    etag: str


@dataclass(frozen=True)
class VersionView:
    name: str
    number: int
    graph: dict
    publisher_id: str
    created_at: datetime


def _view(flow: Chatflow, published: dict | None) -> ChatflowView:
    return from_row(
        ChatflowView,
        flow,
        published_graph=published,
        publishable_key_prefix=flow.publishable_key_prefix or "",
        creator_id=flow.creator_id or "",
        etag=standard.etag(flow),
    )


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


class Chatflows:
    def __init__(self, sessions, drafts: FlowDrafts) -> None:
        self._sessions, self._drafts = sessions, drafts

    @staticmethod
    def _query(scope: Scope):
        return (
            select(Chatflow, ChatflowVersion.graph)
            .outerjoin(
                ChatflowVersion,
                and_(
                    ChatflowVersion.chatflow_id == Chatflow.id,
                    ChatflowVersion.number == Chatflow.published_version,
                ),
            )
            .where(
                Chatflow.organization_id == scope.organization_id,
                Chatflow.workspace_id == scope.workspace_id,
            )
        )

    async def _row(self, session, scope: Scope, flow_id: str) -> tuple[Chatflow, dict | None]:
        row = (await session.execute(self._query(scope).where(Chatflow.id == flow_id))).first()
        if row is None:
            raise not_found(
                resources.CHATFLOW.name(scope.organization_id, scope.workspace_id, flow_id)
            )
        return row[0], row[1]

    async def get(self, scope: Scope, flow_id: str) -> ChatflowView:
        async with self._sessions() as session:
            return _view(*await self._row(session, scope, flow_id))

    async def list(self, scope: Scope, size: int, token: str) -> tuple[list[ChatflowView], str]:
        query_id = ("chatflows", scope.organization_id, scope.workspace_id)
        async with self._sessions() as session:
            rows, next_token = await standard.page(
                session, self._query(scope), Chatflow.id, size, token, query_id,
            )  # fmt: skip
        return [_view(*row) for row in rows], next_token

    async def finalize(
        self, scope: Scope, draft_id: str, given_etag: str, request_id: str
    ) -> ChatflowView:
        """The draft as a chatflow with version 1 published, then the draft is gone; the same
        draft finalized again returns the one chatflow."""
        request = idempotency.fingerprint(scope, draft_id)
        async with self._sessions() as session:
            earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is not None:
                return earlier
        draft = await self._drafts.get(scope, draft_id)
        check_etag(given_etag, draft)
        if not draft.display_name.strip():
            raise FailedPrecondition(
                "DRAFT_INCOMPLETE",
                "display_name is required to finalize",
                {"field": "chatflow_draft.display_name"},
            )
        compiled(draft.graph, "chatflow_draft.graph", stored=True)
        now = datetime.now(UTC)
        try:
            async with self._sessions() as session, session.begin():
                await plans.ensure_room(session, scope.organization_id, "chatflows", Chatflow)
                flow = Chatflow(
                    organization_id=scope.organization_id,
                    workspace_id=scope.workspace_id,
                    draft_id=draft_id,
                    display_name=draft.display_name,
                    description=draft.description,
                    graph=draft.graph,
                    allowed_origins=[],
                    published_version=1,
                    published_at=now,
                    creator_id=current().principal.id or None,
                )
                session.add(flow)
                await session.flush()
                session.add(
                    ChatflowVersion(
                        chatflow_id=flow.id,
                        number=1,
                        graph=draft.graph,
                        publisher_id=flow.creator_id,
                    )  # fmt: skip
                )
                idempotency.remember(session, request_id, request, resources.CHATFLOW.name_of(flow))
                audit.record(
                    session,
                    "chatflow.create",
                    organization_id=flow.organization_id,
                    resource=resources.CHATFLOW.name_of(flow),
                    details={"draft": draft.name},
                )
        except IntegrityError:  # finalized concurrently: that one wins
            async with self._sessions() as session:
                earlier = await self._from_draft(session, scope, draft_id, request_id, request)
            if earlier is None:
                raise
            return earlier
        await self._drafts.delete(scope, draft_id)
        return _view(flow, draft.graph)

    async def _from_draft(self, session, scope, draft_id, request_id, request):
        earlier = await idempotency.recall(session, request_id, request)
        flow_id = earlier.rsplit("/", 1)[1] if earlier else None
        if flow_id is None:
            flow_id = (
                await session.execute(
                    select(Chatflow.id).where(
                        Chatflow.draft_id == draft_id,
                        Chatflow.organization_id == scope.organization_id,
                        Chatflow.workspace_id == scope.workspace_id,
                    )
                )
            ).scalar()
        return None if flow_id is None else _view(*await self._row(session, scope, flow_id))

    async def update(
        self, scope: Scope, flow_id: str, fields: dict, paths: list[str], given_etag: str
    ) -> ChatflowView:
        standard.check_mask(paths, UPDATABLE)
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
            standard.update(
                session,
                flow,
                values,
                paths,
                given_etag,
                updatable=UPDATABLE,
                action="chatflow.update",
                pattern=resources.CHATFLOW,
            )
        return _view(flow, published)

    async def publish(self, scope: Scope, flow_id: str, given_etag: str) -> ChatflowView:
        async with self._sessions() as session, session.begin():
            flow, _ = await self._row(session, scope, flow_id)
            check_etag(given_etag, flow)
            compiled(flow.graph, "chatflow.graph", stored=True)
            number = (
                await session.scalar(
                    select(ChatflowVersion.number)
                    .where(ChatflowVersion.chatflow_id == flow.id)
                    .order_by(ChatflowVersion.number.desc())
                    .limit(1)
                )
                or 0
            ) + 1
            session.add(
                ChatflowVersion(
                    chatflow_id=flow.id,
                    number=number,
                    graph=flow.graph,
                    publisher_id=current().principal.id or None,
                )  # fmt: skip
            )
            self._point_at(session, flow, number, "chatflow.publish")
        return _view(flow, flow.graph)

    async def rollback(
        self, scope: Scope, flow_id: str, number: int, given_etag: str
    ) -> ChatflowView:
        async with self._sessions() as session, session.begin():
            flow, _ = await self._row(session, scope, flow_id)
            check_etag(given_etag, flow)
            version = await session.get(ChatflowVersion, (flow.id, number))
            if version is None:
                raise not_found(f"{resources.CHATFLOW.name_of(flow)}/versions/{number}")
            self._point_at(session, flow, number, "chatflow.rollback")
        return _view(flow, version.graph)

    @staticmethod
    def _point_at(session, flow: Chatflow, number: int, action: str) -> None:
        now = datetime.now(UTC)
        flow.published_version, flow.published_at = number, now
        flow.version, flow.updated_at = flow.version + 1, now
        audit.record(
            session,
            action,
            organization_id=flow.organization_id,
            resource=resources.CHATFLOW.name_of(flow),
            details={"version": str(number)},
        )

    async def versions(
        self, scope: Scope, flow_id: str, size: int, token: str
    ) -> tuple[list[VersionView], str]:
        """Newest first."""
        async with self._sessions() as session:
            flow, _ = await self._row(session, scope, flow_id)
            query = select(ChatflowVersion).where(ChatflowVersion.chatflow_id == flow_id)
            page, next_token = await standard.newest_first(
                session, query, ChatflowVersion.number, size, token, ("chatflow_versions", flow_id)
            )
        name = resources.CHATFLOW.name_of(flow)
        return [
            VersionView(
                f"{name}/versions/{v.number}", v.number, v.graph, v.publisher_id or "", v.created_at
            )  # fmt: skip
            for v in page
        ], next_token

    async def rotate_publishable_key(self, scope: Scope, flow_id: str):
        key, prefix, secret_hash = new_publishable_key()
        async with self._sessions() as session, session.begin():
            flow, published = await self._row(session, scope, flow_id)
            flow.publishable_key_prefix, flow.publishable_key_hash = prefix, secret_hash
            flow.version, flow.updated_at = flow.version + 1, datetime.now(UTC)
            audit.record(
                session,
                "chatflow.rotate_publishable_key",
                organization_id=flow.organization_id,
                resource=resources.CHATFLOW.name_of(flow),
            )
        return _view(flow, published), key

    async def delete(self, scope: Scope, flow_id: str, given_etag: str) -> None:
        """The chatflow with its versions, runs, sessions and publishable key."""
        async with self._sessions() as session, session.begin():
            flow, _ = await self._row(session, scope, flow_id)
            await standard.delete(session, flow, given_etag, resources.CHATFLOW, "chatflow.delete")
