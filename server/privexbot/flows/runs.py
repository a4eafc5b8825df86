"""Runs kept: a row when a run starts (``running``), its outcome, usage and each node's run
when it ends. Inputs and outputs are stored as the run showed them: redacted of the
secrets it used and truncated. Listed newest first, read with their node runs, always
within the caller's workspace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from privexbot.bots.sessions import verdict_from_record, verdict_record
from privexbot.flows import events
from privexbot.flows.redaction import Redactor
from privexbot.inference.attestation import Verdict
from privexbot.kernel import pagination, resources, standard
from privexbot.kernel.errors import not_found
from privexbot.kernel.resources import Scope
from privexbot.kernel.views import from_row
from privexbot.store.flow_models import Chatflow, ChatflowNodeRun, ChatflowRun


@dataclass(frozen=True)
class NodeRunView:
    node_id: str
    node_type: str
    state: str
    output: object
    error: str
    started_at: datetime
    duration_ms: float
    attempts: int
    handle: str
    path: str


@dataclass(frozen=True)
class RunView:
    name: str
    state: str
    message: str
    inputs: dict
    output: str
    error: str
    prompt_tokens: int
    completion_tokens: int
    verdict: Verdict | None
    started_at: datetime
    ended_at: datetime | None
    session: str
    version: int
    node_runs: tuple[NodeRunView, ...] = ()


def _view(row: ChatflowRun, node_runs=()) -> RunView:
    name = resources.CHATFLOW_RUN.name(
        row.organization_id, row.workspace_id, row.chatflow_id, row.id
    )
    session = (
        resources.CHATFLOW_SESSION.name(
            row.organization_id, row.workspace_id, row.chatflow_id, row.session_id
        )
        if row.session_id
        else ""
    )
    return from_row(
        RunView,
        row,
        name=name,
        verdict=verdict_from_record(row.attestation),
        session=session,
        node_runs=tuple(node_runs),
    )


class Runs:
    def __init__(self, sessions) -> None:
        self._sessions = sessions

    async def start(
        self, scope: Scope, flow_id: str, version: int, session_id: str, message: str,
        inputs: dict, redactor: Redactor, run_id: str,
    ) -> None:  # fmt: skip
        """The run's row, written (state running)."""
        async with self._sessions() as session, session.begin():
            row = ChatflowRun(
                id=run_id,
                chatflow_id=flow_id,
                **scope.columns,
                version=version,
                session_id=session_id,
                message=redactor.text(message, 4000),
                inputs=redactor.shown(inputs),
            )
            session.add(row)

    async def finish(
        self,
        run_id: str,
        outcome: events.RunFinished,
        node_runs: list[events.NodeFinished],
        totals,
        redactor: Redactor,
    ) -> None:
        now = datetime.now(UTC)
        async with self._sessions() as session, session.begin():
            row = await session.get(ChatflowRun, run_id)
            if row is None:  # the chatflow was deleted meanwhile
                return
            row.state, row.error = outcome.state, redactor.text(outcome.error)
            row.output = redactor.text(outcome.output, 20_000)
            row.prompt_tokens, row.completion_tokens = (
                totals.prompt_tokens,
                totals.completion_tokens,
            )
            row.attestation = verdict_record(totals.verdict)
            row.ended_at = now
            for seq, node in enumerate(node_runs):
                session.add(
                    ChatflowNodeRun(
                        run_id=run_id,
                        seq=seq,
                        node_id=node.node_id,
                        node_type=node.node_type,
                        path=node.path[:256],
                        state=node.state,
                        output=node.output,
                        error=node.error,
                        handle=node.handle[:64],
                        attempts=node.attempts,
                        duration_ms=node.duration_ms,
                    )
                )

    async def list(
        self, scope: Scope, flow_id: str, size: int, token: str
    ) -> tuple[list[RunView], str]:
        """Newest first (run ids are time-ordered)."""
        async with self._sessions() as session:
            await standard.get(session, Chatflow, resources.CHATFLOW, scope, flow_id)
            query_id = ("chatflow_runs", flow_id)
            after = pagination.decode(token, query_id)
            query = select(ChatflowRun).where(ChatflowRun.chatflow_id == flow_id)
            if after:
                query = query.where(ChatflowRun.id < after)
            rows = list(
                await session.scalars(query.order_by(ChatflowRun.id.desc()).limit(size + 1))
            )
        page, next_token = pagination.page(rows, size, lambda r: r.id, query_id)
        return [_view(r) for r in page], next_token

    async def get(self, name: str) -> RunView:
        org, ws, flow_id, run_id = resources.CHATFLOW_RUN.parse(name)
        async with self._sessions() as session:
            row = await session.get(ChatflowRun, run_id)
            if row is None or (row.organization_id, row.workspace_id, row.chatflow_id) != (
                org,
                ws,
                flow_id,
            ):
                raise not_found(name)
            nodes = list(
                await session.scalars(
                    select(ChatflowNodeRun)
                    .where(ChatflowNodeRun.run_id == run_id)
                    .order_by(ChatflowNodeRun.seq)
                )
            )
        return _view(row, [from_row(NodeRunView, n) for n in nodes])
