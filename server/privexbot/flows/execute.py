"""ExecuteChatflow: who may run what, then one run streamed.

A published chatflow answers like a chatbot: members with ``chatflow.execute`` as
themselves; website visitors with the chatflow's publishable key, from its allowed
origins, rate limited per key and per visitor; the plan's message quota checked first.
Runs use the published version (a draft may be run to test it: nothing of that run is
kept). The graph is compiled at run start. Events stream as nodes produce them; the run is
a task of its own, cancelled when the caller goes away (an llm node's cancel closes its
upstream stream). The run, its node runs and the conversation's two messages are stored
when it ends, however it ends (shielded from a second cancel).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from privexbot.bots import widget
from privexbot.bots.prompt import RELEVANT_SCORE
from privexbot.bots.sessions import verdict_record
from privexbot.flows import events
from privexbot.flows.chatflows import Chatflows, compiled
from privexbot.flows.drafts import FlowDrafts
from privexbot.flows.engine import Run, Services
from privexbot.flows.redaction import Redactor
from privexbot.flows.runs import Runs
from privexbot.flows.sessions import Conversation, FlowSessions
from privexbot.kernel import resources, tasks
from privexbot.kernel.calls import current
from privexbot.kernel.errors import FailedPrecondition
from privexbot.kernel.ids import new_id
from privexbot.kernel.resources import Scope
from privexbot.tenancy.usage import ensure_message_quota

_DONE = object()
PLAN_CACHE_SIZE = 256


@dataclass
class Limits:
    deadline_seconds: float = 120.0
    max_steps: int = 1000


class Executor:
    def __init__(
        self,
        sessions,
        chatflows: Chatflows,
        drafts: FlowDrafts,
        runs: Runs,
        conversations: FlowSessions,
        widget_policy: widget.WidgetPolicy,
        services: Services,
        limits: Limits,
    ) -> None:
        """``services``: the nodes' services (inference, retriever, secrets, sandbox, http),
        copied per run with the run's scope and history."""
        self._sessions, self._chatflows, self._drafts = sessions, chatflows, drafts
        self._runs, self._conversations, self._widget = runs, conversations, widget_policy
        self._services, self.limits = services, limits
        self._plans: dict[tuple[str, int], object] = {}

    async def execute(
        self,
        scope: Scope,
        name: str,
        message: str,
        inputs: dict,
        session_name: str,
        visitor_id: str,
        origin: str,
    ) -> AsyncIterator[events.Event]:
        principal = current().principal
        if resources.CHATFLOW_DRAFT.matches(name):
            draft = await self._drafts.get(scope, resources.CHATFLOW_DRAFT.id_of(name))
            record, version, flow_id, visitor = draft.graph, 0, None, principal.resource_name
        else:
            flow_id = resources.CHATFLOW.id_of(name)
            if principal.speaks_for_visitors:  # per key (a channel: per channel) and visitor
                await self._widget.count_chat(principal.id, visitor_id)
            flow = await self._chatflows.get(scope, flow_id)
            if not flow.published_version:
                raise FailedPrecondition("NOT_PUBLISHED", "publish the chatflow before running it")
            visitor = widget.visitor({"allowed_origins": flow.allowed_origins}, visitor_id, origin)
            record, version = flow.published_graph, flow.published_version
        plan = self._plan(record, flow_id, version)
        # The question's embedding (most of a knowledge node's time, in the enclave) starts
        # now, beside the reads below, as Chat's does.
        embeddings = self._prefetch(plan, message)
        redactor = Redactor()
        if flow_id is None:
            conversation = Conversation(new_id(), [], {}, True)
            await self._load_secrets(scope, plan, redactor)
        else:  # three independent reads at once: quota, conversation, secrets
            _, conversation, _ = await asyncio.gather(
                self._check_quota(scope),
                self._conversations.continued(scope, flow_id, session_name, visitor),
                self._load_secrets(scope, plan, redactor),
            )
        variables = {
            k: v.get("default") for k, v in plan.conversation_variables.items()
        } | conversation.variables
        run_id, stored = new_id(), None
        if flow_id is None:
            run_name, session = f"{name}/runs/{run_id}", ""
        else:
            session = self._conversations.name_of(scope, flow_id, conversation.id)
            run_name = resources.CHATFLOW_RUN.name(
                scope.organization_id, scope.workspace_id, flow_id, run_id
            )
            # The run's row is written beside its first nodes, not before them.
            stored = asyncio.ensure_future(
                self._runs.start(
                    scope, flow_id, version, conversation.id, message, inputs, redactor, run_id
                )
            )
        queue: asyncio.Queue = asyncio.Queue()
        services = Services(**{**vars(self._services), "scope": scope})
        services.history = conversation.history
        services.embeddings = embeddings
        run = Run(
            plan,
            services,
            queue.put_nowait,
            message=message,
            session=session,
            inputs=inputs,
            conversation=variables,
            deadline_seconds=self.limits.deadline_seconds,
            max_steps=self.limits.max_steps,
            redactor=redactor,
        )
        yield events.RunStarted(run_name, session, version)
        task = asyncio.create_task(run.execute())
        task.add_done_callback(lambda _: queue.put_nowait(_DONE))
        outcome = events.RunFinished(events.CANCELLED, "the run was cancelled")
        try:
            while (event := await queue.get()) is not _DONE:
                yield event
            outcome = task.result()
        finally:
            if not task.done():
                task.cancel()
                await asyncio.wait([task])
            for embedding in embeddings.values():
                tasks.discard(embedding)
            if stored is not None:
                await tasks.settled(stored)
            if flow_id is not None:
                await tasks.settled(
                    self._keep(
                        scope,
                        flow_id,
                        conversation,
                        visitor,
                        message,
                        run,
                        outcome,
                        run_name,
                        version,
                    )  # fmt: skip
                )
        totals = run.totals
        if totals.calls:
            yield events.Usage(totals.prompt_tokens, totals.completion_tokens)
            if totals.verdict is not None:
                yield events.Attested(totals.verdict)
        yield outcome

    def _plan(self, record: dict, flow_id: str | None, version: int):
        """The compiled plan of a published version (kept: versions never change), or of
        a draft's graph (compiled every time)."""
        if flow_id is None:
            return compiled(record, "graph", stored=True)
        key = (flow_id, version)
        plan = self._plans.get(key)
        if plan is None:
            plan = compiled(record, "graph", stored=True)
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = plan
        return plan

    def _prefetch(self, plan, message: str) -> dict:
        """The embedding of the message, under way, when a knowledge node queries it as is."""
        for node in plan.nodes.values():
            query = node.config.get("query", "{{ sys.message }}")
            if node.type == "knowledge" and query.replace(" ", "") == "{{sys.message}}":
                embed = self._services.inference.embed
                return {message: asyncio.ensure_future(embed([message]))}
        return {}

    async def _check_quota(self, scope: Scope) -> None:
        async with self._sessions() as session:
            await ensure_message_quota(session, scope.organization_id)

    async def _load_secrets(self, scope: Scope, plan, redactor: Redactor) -> None:
        """Every secret the graph names is known before anything is shown: a run's message
        or an early node's output that happens to hold one is redacted too."""
        for node in plan.nodes.values():
            auth = node.config.get("auth") if node.type == "http" else None
            if isinstance(auth, dict) and auth.get("secret"):
                value = await self._services.secrets(scope, auth["secret"])
                if value:
                    redactor.add(value)

    async def _keep(
        self, scope, flow_id, conversation, visitor, message, run: Run, outcome, run_name, version
    ) -> None:
        totals, redactor = run.totals, run.redactor
        cited = []
        for node in run.node_runs:
            if node.node_type == "knowledge" and isinstance(node.output, dict):
                cited.extend(node.output.get("citations") or [])
        answer = {
            "reply": {  # the assistant message's columns
                "content": redactor.text(run.output, 100_000),
                "citations": cited[:50],
                "prompt_tokens": totals.prompt_tokens,
                "completion_tokens": totals.completion_tokens,
                "finish_reason": {"succeeded": "stop", "cancelled": "cancelled"}.get(
                    outcome.state, "error"
                ),
                "incomplete": outcome.state != events.SUCCEEDED,
                "attestation": verdict_record(totals.verdict),
            },
            "version": version,
            "run_id": resources.CHATFLOW_RUN.id_of(run_name),
            "knowledge_hit": (
                any(c.get("score", 0) >= RELEVANT_SCORE for c in cited)
                if any(n.node_type == "knowledge" for n in run.node_runs)
                else None
            ),
        }
        await self._conversations.store(
            scope, flow_id, conversation, visitor, message, answer, run.conversation
        )
        # Last: a run that shows how it ended has its conversation stored already.
        await self._runs.finish(
            resources.CHATFLOW_RUN.id_of(run_name), outcome, run.node_runs, totals, redactor
        )
