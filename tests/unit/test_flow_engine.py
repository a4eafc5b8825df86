"""The flow engine, one regression test per bug class of other engines (issue 23, "Why").

Each test that guards against a known bug also runs against a *naive* engine: the same
engine with the one mechanism the bug lacked replaced (monkeypatched) by what the buggy
engine does, and asserts the test's own check fails there — so the test is shown to catch
the bug, not only to pass.
"""

from __future__ import annotations

import asyncio
import copy
import time

import pytest
from flowkit import Hang, edge, finished, node, run, text_of

from privexbot.flows import conditions, engine, events, references
from privexbot.flows.nodes import containers

START = node("start", "start")


def answer(id_="ans", text="done"):
    return node(id_, "answer", text=text)


# ---- Flowise: unselected branches run when one output fans out (PR #6532) -----------------


def fan_out_graph():
    cond = node(
        "cond",
        "condition",
        cases=[{"id": "yes", "rules": [{"left": "sys.message", "op": "contains", "right": "go"}]}],
    )
    nodes = [
        START,
        cond,
        node("a", "template", template="A"),
        node("b", "template", template="B"),
        node("c", "template", template="C"),
        answer(),
    ]
    edges = [
        edge("start", "cond"),
        edge("cond", "a", "yes"),
        edge("cond", "b", "yes"),
        edge("cond", "c", "else"),
        edge("a", "ans"),
        edge("b", "ans"),
        edge("c", "ans"),
    ]
    return nodes, edges


async def check_fan_out():
    outcome, got, _ = await run(*fan_out_graph(), message="go")
    ran = set(finished(got))
    assert outcome.state == events.SUCCEEDED, outcome
    assert {"a", "b"} <= ran and "c" not in ran, ran
    assert [e.node_id for e in got if isinstance(e, events.NodeStarted)].count("ans") == 1


async def test_only_the_selected_handle_runs_when_it_fans_out():
    await check_fan_out()


async def test_fan_out_check_fails_on_a_naive_engine(monkeypatch):
    original = engine.Run._resolve

    def every_edge_taken(self, state, node_id, handles):
        if handles is not None:  # naive: a finished node triggers all its outgoing edges
            handles = tuple({e.source_handle for e in state.scope.outgoing[node_id]})
        return original(self, state, node_id, handles)

    monkeypatch.setattr(engine.Run, "_resolve", every_edge_taken)
    with pytest.raises(AssertionError):
        await check_fan_out()


# ---- Flowise: converging branches stall (#5501); joins wait for every taken branch --------


async def check_converging():
    nodes, edges = fan_out_graph()
    async with asyncio.timeout(2):
        outcome, got, _ = await run(nodes, edges, message="stop")
    assert outcome.state == events.SUCCEEDED and "ans" in finished(got)


async def test_a_join_after_an_exclusive_branch_runs_once_and_never_stalls():
    await check_converging()
    outcome, got, _ = await run(*fan_out_graph(), message="go")
    starts = [e.node_id for e in got if isinstance(e, events.NodeStarted)]
    assert starts.count("ans") == 1 and outcome.output == "done"


async def test_converging_check_fails_on_a_naive_engine(monkeypatch):
    def no_skip_propagation(self, state, node_id, handles):
        if handles is None:
            return  # naive: a skipped node tells its successors nothing; they wait forever
        for edge_ in state.scope.outgoing[node_id]:
            if edge_.source_handle in handles:
                state.taken.add(edge_.target)
                state.pending[edge_.target] -= 1
                if state.pending[edge_.target] == 0:
                    state.group.create_task(self._node(state, edge_.target))

    monkeypatch.setattr(engine.Run, "_resolve", no_skip_propagation)
    with pytest.raises((AssertionError, TimeoutError)):
        await check_converging()


async def test_a_join_after_parallel_branches_waits_for_all_of_them():
    nodes = [
        START,
        node("slow", "test_sleep", ms=150, value="s"),
        node("fast", "test_sleep", ms=10, value="f"),
        node("join", "template", template="{{ slow.value }}{{ fast.value }}"),
        answer(text="{{ join.text }}"),
    ]
    edges = [
        edge("start", "slow"),
        edge("start", "fast"),
        edge("slow", "join"),
        edge("fast", "join"),
        edge("join", "ans"),
    ]
    started = time.perf_counter()
    outcome, got, _ = await run(nodes, edges)
    assert outcome.output == "sf"
    # The branches ran at once: about the slow one's time, not the sum.
    assert time.perf_counter() - started < 0.15 + 0.1


# ---- Dify: a loop's round reads the previous round's outputs (#29740, #25707) ------------


def loop_graph():
    body = [
        node(
            "first",
            "condition",
            parent="loop",
            cases=[{"id": "yes", "rules": [{"left": "loop.round", "op": "eq", "right": 0}]}],
        ),
        node("t_first", "template", parent="loop", template="first"),
        node("t_other", "template", parent="loop", template="other"),
        node("pick", "merge", parent="loop", inputs=["t_first.text", "t_other.text"]),
    ]
    loop = node(
        "loop",
        "loop",
        max_rounds=3,
        variables=[{"name": "seen", "type": "string", "value": ""}],
        updates=[{"variable": "seen", "template": "{{ loop.seen }}{{ pick.value }};"}],
    )
    nodes = [START, loop, *body, answer(text="{{ loop.seen }}")]
    edges = [
        edge("start", "loop"),
        edge("loop", "ans"),
        edge("first", "t_first", "yes"),
        edge("first", "t_other", "else"),
        edge("t_first", "pick"),
        edge("t_other", "pick"),
    ]
    return nodes, edges


async def check_loop_rounds():
    outcome, got, _ = await run(*loop_graph())
    assert outcome.state == events.SUCCEEDED, outcome
    assert outcome.output == "first;other;other;", outcome.output
    rounds = [e.round for e in got if isinstance(e, events.LoopRoundStarted)]
    assert rounds == [0, 1, 2]


async def test_every_loop_round_starts_with_the_body_outputs_cleared():
    await check_loop_rounds()


async def test_loop_check_fails_on_a_naive_engine(monkeypatch):
    kept: dict = {}

    class KeptFrame(engine.Frame):
        """Naive: one frame for every round; outputs stay and get overwritten."""

        def __init__(self, parent=None, own=None):
            super().__init__(parent, own)
            self.outputs = kept
            kept.update(own or {})
            self._chain = self._chain.__class__(kept, *self._chain.maps[1:])

        def set(self, node_id, outputs):
            kept[node_id] = outputs

    monkeypatch.setattr(containers, "Frame", KeptFrame)
    with pytest.raises(AssertionError):
        await check_loop_rounds()


# ---- Dify: writes inside an iteration are lost, each item works on a copy (#26233) -------


def iteration_graph(concurrency=5):
    start = node("start", "start", conversation_variables=[{"name": "seen", "type": "array"}])
    items = node("items", "code", source="function main(){ return [1,2,3,4,5,6]; }")
    nodes = [
        start,
        node("items", "template", template="x"),
        node(
            "iter",
            "iteration",
            items="split.value",
            output="t.text",
            concurrency=concurrency,
        ),
        node("split", "test_sleep", value=["a", "b", "c", "d", "e", "f"]),
        node("t", "template", parent="iter", template="<{{ iter.item }}>"),
        node(
            "keep",
            "assign",
            parent="iter",
            assignments=[{"variable": "seen", "op": "append", "value": "iter.item"}],
        ),
        answer(text="{{ iter.results | join('') }}"),
    ]
    del items
    edges = [
        edge("start", "items"),
        edge("items", "split"),
        edge("split", "iter"),
        edge("iter", "ans"),
        edge("t", "keep"),
    ]
    return nodes, edges


async def check_iteration_writes():
    outcome, got, run_ = await run(*iteration_graph())
    assert outcome.state == events.SUCCEEDED, outcome
    assert outcome.output == "<a><b><c><d><e><f>"
    assert sorted(run_.conversation.get("seen") or []) == ["a", "b", "c", "d", "e", "f"]


async def test_writes_inside_an_iteration_are_kept():
    await check_iteration_writes()


async def test_iteration_check_fails_on_a_naive_engine(monkeypatch):
    original = engine.Context.run_body

    async def on_a_copy(self, frame, path):
        # Naive: each item works on a deep copy of the run's variables, dropped after.
        saved = self.run.conversation
        self.run.conversation = copy.deepcopy(saved)
        try:
            await original(self, frame, path)
        finally:
            self.run.conversation = saved

    monkeypatch.setattr(engine.Context, "run_body", on_a_copy)
    with pytest.raises(AssertionError):
        await check_iteration_writes()


# ---- Dify: max time checked only when a node finishes; a hung node never stops (#35465) --


async def check_deadline():
    Hang.cancelled.clear()
    nodes = [START, node("hang", "test_hang", timeout_ms=600_000), answer()]
    edges = [edge("start", "hang"), edge("hang", "ans")]
    started = time.perf_counter()
    async with asyncio.timeout(3):
        outcome, _, _ = await run(nodes, edges, deadline_seconds=0.3)
    elapsed = time.perf_counter() - started
    assert outcome.state == events.FAILED and "deadline" in outcome.error
    assert elapsed < 0.3 + 0.1, elapsed
    assert [n for n, _ in Hang.cancelled] == ["hang"]


async def test_the_run_deadline_stops_a_hung_node_at_once():
    await check_deadline()


async def test_deadline_check_fails_on_a_naive_engine(monkeypatch):
    async def checked_between_nodes(self):
        # Naive: the deadline is compared after each node finishes, never enforced.
        await self.run_scope(self.plan.scopes[""], engine.Frame(), "")
        return events.RunFinished(events.SUCCEEDED)

    monkeypatch.setattr(engine.Run, "execute", checked_between_nodes)
    with pytest.raises((AssertionError, TimeoutError)):
        await check_deadline()


async def test_a_hung_node_is_interrupted_by_its_own_timeout_within_100_ms():
    nodes = [
        START,
        node("hang", "test_hang", timeout_ms=200, on_error={"policy": "branch"}),
        node("late", "template", template="timed out: {{ hang.error_type }}"),
        answer(text="{{ late.text }}"),
    ]
    edges = [edge("start", "hang"), edge("hang", "late", "error"), edge("late", "ans")]
    outcome, got, _ = await run(nodes, edges)
    hung = finished(got)["hang"]
    assert hung.state == events.FAILED and 200 <= hung.duration_ms < 300, hung
    assert outcome.output == "timed out: timeout"


# ---- retries sleep in the node's own task, not on the dispatcher ------------------------


def retry_graph():
    retry = {"max_attempts": 2, "backoff_ms": 400, "jitter": False}
    nodes = [
        START,
        node("flaky", "test_flaky", failures=1, value="ok", retry=retry),
        node("b1", "test_sleep", ms=20, value=1),
        node("b2", "test_sleep", ms=20, value=2),
        node("b3", "test_sleep", ms=20, value=3),
        answer(),
    ]
    edges = [
        edge("start", "flaky"),
        edge("start", "b1"),
        edge("b1", "b2"),
        edge("b2", "b3"),
        edge("flaky", "ans"),
        edge("b3", "ans"),
    ]
    return nodes, edges


async def check_retry():
    started = time.perf_counter()
    outcome, got, _ = await run(*retry_graph())
    assert outcome.state == events.SUCCEEDED
    retries = [e for e in got if isinstance(e, events.NodeRetry)]
    assert [(r.node_id, r.attempt) for r in retries] == [("flaky", 1)]
    done = finished(got)
    assert done["flaky"].attempts == 2
    # The other branch finished while the flaky node waited for its retry.
    order = [e.node_id for e in got if isinstance(e, events.NodeFinished)]
    assert order.index("b3") < order.index("flaky"), order
    assert time.perf_counter() - started < 0.4 + 0.15


async def test_a_retry_waits_in_its_own_task_while_the_run_goes_on():
    await check_retry()


async def test_retry_check_fails_on_a_naive_engine(monkeypatch):
    async def sleep_on_the_dispatcher(delay):
        time.sleep(delay)  # noqa: ASYNC251 - naive: the whole run waits for one backoff

    monkeypatch.setattr(engine.asyncio, "sleep", sleep_on_the_dispatcher)
    with pytest.raises(AssertionError):
        await check_retry()


async def test_retry_only_on_the_listed_error_types():
    retry = {"max_attempts": 3, "backoff_ms": 1, "on": ["timeout"]}
    nodes = [START, node("flaky", "test_flaky", failures=1, kind="http", retry=retry), answer()]
    outcome, got, _ = await run(nodes, [edge("start", "flaky"), edge("flaky", "ans")])
    assert outcome.state == events.FAILED and "http: planned failure" in outcome.error
    assert not [e for e in got if isinstance(e, events.NodeRetry)]


# ---- error policies, step cap, write-once, cancel -----------------------------------------


async def test_a_failed_node_follows_its_error_handle_or_uses_its_default():
    nodes = [
        START,
        node("bad", "test_flaky", failures=5, on_error={"policy": "branch"}),
        node("handled", "template", template="{{ bad.error_type }}: {{ bad.error_message }}"),
        node("never", "template", template="no"),
        node(
            "dflt",
            "test_flaky",
            failures=5,
            on_error={"policy": "default", "default": {"value": "D"}},
        ),
        node("join", "merge", inputs=["handled.text", "never.text"]),
        answer(text="{{ join.value }} / {{ dflt.value }}"),
    ]
    edges = [
        edge("start", "bad"),
        edge("bad", "handled", "error"),
        edge("bad", "never"),
        edge("handled", "join"),
        edge("never", "join"),
        edge("start", "dflt"),
        edge("join", "ans"),
        edge("dflt", "ans"),
    ]
    outcome, got, _ = await run(nodes, edges)
    assert outcome.output == "flaky: planned failure / D", outcome
    assert "never" not in finished(got) and finished(got)["bad"].handle == "error"


async def test_the_step_cap_stops_a_run():
    loop = node("loop", "loop", max_rounds=100)
    nodes = [START, loop, node("t", "template", parent="loop", template="x"), answer()]
    outcome, _, _ = await run(nodes, [edge("start", "loop"), edge("loop", "ans")], max_steps=20)
    assert outcome.state == events.FAILED and "cap of 20" in outcome.error


async def test_outputs_are_written_once():
    frame = engine.Frame()
    frame.set("a", {"x": 1})
    with pytest.raises(engine.OutputWrittenTwice):
        frame.set("a", {"x": 2})


async def test_cancelling_a_run_cancels_its_running_nodes_at_once():
    Hang.cancelled.clear()
    nodes = [START, node("h1", "test_hang"), node("h2", "test_hang"), answer()]
    edges = [edge("start", "h1"), edge("start", "h2"), edge("h1", "ans"), edge("h2", "ans")]
    task = asyncio.ensure_future(run(nodes, edges))
    await asyncio.sleep(0.05)
    cancelled_at = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(n for n, _ in Hang.cancelled) == ["h1", "h2"]
    assert all(at - cancelled_at < 0.05 for _, at in Hang.cancelled)


# ---- PrivexBot: builder regex (ReDoS); expression sandbox escapes (simpleeval CVE) -------


async def test_builder_patterns_match_in_linear_time():
    subject = "a" * 9000 + "!"
    started = time.perf_counter()
    rule = [{"left": "x.v", "op": "matches", "right": "(a+)+$"}]
    assert conditions.evaluate(rule, "and", lambda s: subject) is False
    assert time.perf_counter() - started < 0.1  # a backtracking engine takes ~forever


async def test_operand_values_never_change_the_expression():
    hostile = '") || true || ("'
    rules = [{"left": "x.v", "op": "eq", "right": "safe"}]
    assert conditions.evaluate(rules, "and", lambda s: hostile) is False
    assert "safe" not in conditions.expression(rules) and hostile not in conditions.expression(
        rules
    )


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ sys.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% for x in range(10**9) %}{% endfor %}",
        "{{ 'x' * 1000000000 }}",
    ],
)
async def test_templates_cannot_escape_their_sandbox(template):
    with pytest.raises(references.TemplateProblem):
        references.render(template, {"sys": {"message": "hi"}})


async def test_a_skipped_branch_reads_as_empty_in_a_merge():
    outcome, got, _ = await run(*fan_out_graph(), message="nothing")
    assert outcome.state == events.SUCCEEDED and text_of(got) == "done"
