"""The engine: runs a compiled plan with asyncio.

- One ``TaskGroup`` per scope instance (the run's top level, each loop round, each
  iteration item): a node starts as a task of its own the moment its last incoming edge is
  resolved, so independent branches run at once.
- Edges are TAKEN or SKIPPED. A node runs when all its incoming edges are resolved and at
  least one was TAKEN; when all were SKIPPED it is skipped and SKIPS its outgoing edges in
  turn. So a join after parallel branches waits for every taken one, a join after an
  exclusive branch runs exactly once, and an unselected branch never runs.
- Outputs are write-once per scope instance (``Frame``): a loop round or iteration item
  gets a fresh frame over its parent, so a round never reads the previous round's values
  and an item never writes over another's.
- Per node: ``asyncio.timeout`` around each attempt (a hung node is cancelled at its
  limit); retries sleep in the node's own task (the rest of the run goes on); then its
  error policy: fail the run, follow the ``error`` handle, or use default outputs.
- The run's deadline and step cap cancel whatever is running at once; cancelling the run
  (a client that went away) cancels every node, and an llm node's cancel closes its
  upstream stream, which stops generation there.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import ChainMap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from privexbot.flows import events, references
from privexbot.flows.graph import DEFAULT_HANDLE, Node
from privexbot.flows.nodes.base import ERROR_HANDLE, NodeError, NodeType, Result
from privexbot.flows.redaction import Redactor

if TYPE_CHECKING:
    from privexbot.flows.compiler import Plan, Scope


class RunStopped(Exception):
    """The run ends failed: a node failed under the "fail" policy, the deadline or the step
    cap was reached."""

    def __init__(self, message: str, node_id: str = "") -> None:
        super().__init__(message)
        self.message, self.node_id = message, node_id


class OutputWrittenTwice(RuntimeError):
    pass


class Frame:
    """The outputs of one scope instance's nodes (write-once), over its parent's."""

    __slots__ = ("outputs", "parent", "_chain")

    def __init__(self, parent: Frame | None = None, own: dict | None = None) -> None:
        self.outputs: dict[str, dict] = dict(own or {})
        self.parent = parent
        self._chain = ChainMap(self.outputs, *(parent._chain.maps if parent else ()))

    def set(self, node_id: str, outputs: dict) -> None:
        if node_id in self.outputs:
            raise OutputWrittenTwice(f"{node_id} already wrote its outputs in this scope")
        self.outputs[node_id] = outputs

    def get(self, node_id: str) -> dict | None:
        return self._chain.get(node_id)

    @property
    def chain(self) -> ChainMap:
        return self._chain


@dataclass
class Services:
    """What nodes reach beyond the run: the tenant, models, knowledge, secrets, sandbox."""

    scope: object = None
    inference: object = None  # the gateway: stream_chat(scope, messages, params)
    retriever: object = None  # retrieve(scope, kb_ids, query, override)
    secrets: object = None  # async (scope, secret_id) -> value
    sandbox: object = None  # run(source, inputs, timeout_ms, memory_mb)
    http: object = None  # http.Fetcher
    history: list = field(default_factory=list)  # the session's recent messages
    # query -> its embedding, already under way (started with the run)
    embeddings: dict = field(default_factory=dict)


@dataclass
class Totals:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    verdict: object = None
    calls: int = 0
    answers: list[str] = field(default_factory=list)


class Context:
    """What a running node sees: its config, the values it may read, the run's services."""

    __slots__ = ("run", "node", "frame", "path", "kind")

    def __init__(self, run: Run, node: Node, kind: NodeType, frame: Frame, path: str) -> None:
        self.run, self.node, self.kind, self.frame, self.path = run, node, kind, frame, path

    @property
    def config(self) -> dict:
        return self.node.config

    @property
    def services(self) -> Services:
        return self.run.services

    def values(self) -> ChainMap:
        return self.frame.chain.new_child({"conv": self.run.conversation, "sys": self.run.sys})

    def render(self, template: str) -> str:
        try:
            return references.render(template, self.values())
        except references.TemplateProblem as exc:
            raise NodeError("template", str(exc)) from None

    def resolve(self, selector: str, default=None):
        """The value a selector (``node.output``) names; ``default`` when its node was
        skipped."""
        parsed = references.parse_selector(selector)
        if parsed is None:
            raise NodeError("input", f"{selector!r} is not a reference")
        source, output = parsed
        if source == "conv":
            return self.run.conversation.get(output, default)
        if source == "sys":
            return self.run.sys.get(output, default)
        outputs = self.frame.get(source)
        return default if outputs is None else outputs.get(output, default)

    def emit(self, event) -> None:
        self.run.emit(event)

    async def run_body(self, frame: Frame, path: str) -> None:
        """Containers: run the body once in ``frame`` (a round, an item)."""
        await self.run.run_scope(self.run.plan.scopes[self.node.id], frame, path)


class _ScopeRun:
    """The edge bookkeeping of one scope instance."""

    __slots__ = ("scope", "frame", "path", "group", "pending", "taken")

    def __init__(self, scope: Scope, frame: Frame, path: str, group: asyncio.TaskGroup):
        self.scope, self.frame, self.path, self.group = scope, frame, path, group
        self.pending = {n: len(scope.incoming[n]) for n in scope.nodes}
        self.taken: set[str] = set()


class Run:
    def __init__(
        self,
        plan: Plan,
        services: Services,
        emit: Callable[[object], None],
        *,
        message: str = "",
        session: str = "",
        inputs: dict | None = None,
        conversation: dict | None = None,
        deadline_seconds: float = 120.0,
        max_steps: int = 1000,
        redactor: Redactor | None = None,
    ) -> None:
        self.plan, self.services, self.emit = plan, services, emit
        self.sys = {"message": message, "session": session}
        self.inputs = dict(inputs or {})
        self.conversation = dict(conversation or {})
        self.deadline, self.max_steps = deadline_seconds, max_steps
        self.redactor = redactor or Redactor()
        self.steps = 0
        self.totals = Totals()
        self.node_runs: list[events.NodeFinished] = []
        self.conversation_lock = asyncio.Lock()

    async def execute(self) -> events.RunFinished:
        """Run the plan; the outcome (never raises but for cancellation)."""
        try:
            async with asyncio.timeout(self.deadline):
                await self.run_scope(self.plan.scopes[""], Frame(), "")
        except TimeoutError:
            return events.RunFinished(
                events.FAILED, f"the run took longer than its {self.deadline:g} s deadline"
            )
        except RunStopped as stop:
            return events.RunFinished(events.FAILED, stop.message, self.output)
        return events.RunFinished(events.SUCCEEDED, "", self.output)

    @property
    def output(self) -> str:
        return "".join(self.totals.answers)

    # ---- scopes ------------------------------------------------------------------------

    async def run_scope(self, scope: Scope, frame: Frame, path: str) -> None:
        try:
            async with asyncio.TaskGroup() as group:
                state = _ScopeRun(scope, frame, path, group)
                for entry in scope.entries:
                    group.create_task(self._node(state, entry))
        except BaseExceptionGroup as group:
            raise _first(group) from None

    def _resolve(self, state: _ScopeRun, node_id: str, handles: tuple[str, ...] | None):
        """Mark ``node_id``'s outgoing edges TAKEN (their handle among ``handles``) or
        SKIPPED (``handles`` None: the node was skipped), and start or skip what is ready."""
        for edge in state.scope.outgoing[node_id]:
            target = edge.target
            if handles is not None and edge.source_handle in handles:
                state.taken.add(target)
            state.pending[target] -= 1
            if state.pending[target] == 0:
                if target in state.taken:
                    state.group.create_task(self._node(state, target))
                else:
                    self._resolve(state, target, None)

    # ---- nodes -------------------------------------------------------------------------

    def _step(self, node_id: str) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise RunStopped(f"the run exceeded its cap of {self.max_steps} node steps", node_id)

    async def _node(self, state: _ScopeRun, node_id: str) -> None:
        node, kind = self.plan.nodes[node_id], self.plan.types[node_id]
        self._step(node_id)
        ctx = Context(self, node, kind, state.frame, state.path)
        self.emit(events.NodeStarted(node.id, node.type, state.path))
        started = time.perf_counter()
        result, error, attempts = await self._attempts(ctx)
        duration = (time.perf_counter() - started) * 1000
        failed = error is not None
        handle = "" if result.handles == (DEFAULT_HANDLE,) else ",".join(result.handles)
        finished = events.NodeFinished(
            node.id,
            node.type,
            events.FAILED if failed else events.SUCCEEDED,
            self.redactor.shown(result.outputs),
            "" if error is None else self.redactor.text(f"{error.kind}: {error.message}"),
            duration,
            handle,
            state.path,
            attempts,
        )
        self.node_runs.append(finished)
        self.emit(finished)
        if failed and _policy(node) == "fail":
            raise RunStopped(f"node {node.id} failed: {error.kind}: {error.message}", node.id)
        state.frame.set(node.id, result.outputs)
        self._resolve(state, node.id, result.handles)

    async def _attempts(self, ctx: Context) -> tuple[Result, NodeError | None, int]:
        node = ctx.node
        retry = node.config.get("retry") or {}
        attempts, limit = 0, int(retry.get("max_attempts", 1))
        timeout = (node.config.get("timeout_ms") or ctx.kind.default_timeout_ms) / 1000
        while True:
            attempts += 1
            try:
                async with asyncio.timeout(timeout):
                    return await ctx.kind.run(ctx), None, attempts
            except RunStopped:
                raise
            except TimeoutError:
                error = NodeError("timeout", f"did not finish within {timeout * 1000:g} ms")
            except NodeError as exc:
                error = exc
            except Exception as exc:  # a node's own bug: a failure like any other
                error = NodeError("internal", type(exc).__name__)
            wanted = retry.get("on") or ()
            if attempts < limit and (not wanted or error.kind in wanted):
                delay = _backoff(retry, attempts)
                self.emit(
                    events.NodeRetry(
                        node.id,
                        node.type,
                        attempts,
                        self.redactor.text(error.message),
                        delay * 1000,
                        ctx.path,
                    )  # fmt: skip
                )
                await asyncio.sleep(delay)  # this node's task alone waits
                continue
            return _fallback(node, error), error, attempts


def _policy(node: Node) -> str:
    on_error = node.config.get("on_error") or {}
    return on_error.get("policy", "fail")


def _fallback(node: Node, error: NodeError) -> Result:
    policy = _policy(node)
    if policy == "branch":
        return Result({"error_message": error.message, "error_type": error.kind}, (ERROR_HANDLE,))
    if policy == "default":
        return Result(dict(node.config["on_error"].get("default") or {}))
    return Result({"error_message": error.message, "error_type": error.kind}, ())


def _backoff(retry: dict, attempt: int) -> float:
    base = retry.get("backoff_ms", 200) / 1000
    cap = retry.get("max_backoff_ms", 10_000) / 1000
    delay = min(cap, base * 2 ** (attempt - 1))
    if retry.get("jitter", True):
        delay = random.uniform(delay / 2, delay)
    return delay


def _first(group: BaseExceptionGroup) -> BaseException:
    """The exception a scope's task group ended with that says why (a nested group's own)."""
    found = [e for e in _leaves(group) if not isinstance(e, asyncio.CancelledError)]
    for each in found:
        if isinstance(each, RunStopped):
            return each
    return found[0] if found else asyncio.CancelledError()


def _leaves(group: BaseExceptionGroup):
    for each in group.exceptions:
        if isinstance(each, BaseExceptionGroup):
            yield from _leaves(each)
        else:
            yield each
