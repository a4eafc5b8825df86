"""The example chatflows in examples/chatflows, run end to end over the real server and the
real enclave (real models): knowledge → llm → answer with citations; a classifier routing
to two answers; an http node against a local server and refused against 127.0.0.1, the
metadata address, a DNS name resolving to loopback and a redirect to a private address;
a loop accumulating over rounds; an iteration in parallel with a failing item under each
error mode; a node failure following its error handle; a hung node interrupted by its
timeout within 100 ms; a client cancel stopping the run and generation upstream."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from flow_http_server import TOKEN, Server
from flowhelp import example, execute, finished_nodes, graph, kinds, new_flow, text
from helpers import raises, sign_up
from test_bot import WIFI_QUESTION, handbook_kb
from test_inference import until_cancelled

from privexbot.flows.ssrf import Fetcher
from privexbot.v1 import flow_pb2

SUCCEEDED = flow_pb2.ChatflowRun.STATE_SUCCEEDED


@pytest.fixture
async def chat_counters(enclave):
    import httpx

    async with httpx.AsyncClient(
        base_url=enclave.root_url, headers={"authorization": f"Bearer {enclave.api_key}"}
    ) as http:

        async def read() -> dict:
            return (await http.get("/metrics")).json()["chat"]

        yield read


@pytest.fixture
async def local_api(stack):
    """The local test server, reachable by http nodes through an explicit allowance for its
    exact address and port (CHATFLOW_HTTP_ALLOW); every other loopback address stays refused."""
    async with Server() as server:
        executor = stack.running.platform.flow_executor
        saved = executor._services.http
        executor._services.http = Fetcher(f"127.0.0.1:{server.port}")
        try:
            yield server
        finally:
            executor._services.http = saved


async def test_knowledge_llm_answer_streams_a_cited_answer(client):
    me = await sign_up(client, "kbflow")
    kb = await handbook_kb(client, me.workspace)
    flow = await new_flow(client, me.workspace, example("knowledge_answer", KB=kb))
    events = await execute(client, flow.name, WIFI_QUESTION)
    order = kinds(events)
    assert order[0] == "run_started" and order[-1] == "run_finished", order
    assert events[-1].run_finished.state == SUCCEEDED, events[-1]
    assert order.count("delta") > 3, order  # the model's tokens, relayed as generated
    first_delta = order.index("delta")
    assert order.index("node_finished") < first_delta < len(order) - 1
    # The answer streamed while the llm node ran: its deltas come before it finished.
    llm_done = next(i for i, e in enumerate(events) if e.node_finished.node_id == "llm")
    assert first_delta < llm_done
    cited = next(e for e in events if e.HasField("citations")).citations.citations
    assert cited and cited[0].citation.document.startswith(kb + "/documents/")
    assert "attestation" in order and "usage" in order
    assert text(events).strip() and events[-1].run_finished.output == text(events)
    session = await client.flow.GetChatflowSession(
        flow_pb2.GetChatflowSessionRequest(name=events[0].run_started.session)
    )
    answer = session.messages[1]
    assert answer.content == text(events) and answer.citations and answer.usage.completion_tokens


async def test_a_classifier_routes_to_two_different_answers(client):
    me = await sign_up(client, "router")
    flow = await new_flow(client, me.workspace, example("classifier_routing"))
    billing = await execute(
        client, flow.name, "I want a refund for the double charge on my invoice"
    )
    account = await execute(client, flow.name, "I forgot my password and cannot sign in")
    assert text(billing).startswith("Billing team"), finished_nodes(billing)["route"].output
    assert text(account).startswith("Account team"), finished_nodes(account)["route"].output
    assert finished_nodes(billing)["route"].handle == "billing"
    assert finished_nodes(account)["route"].handle == "account"


async def test_the_http_node_reaches_an_allowed_server_and_is_refused_elsewhere(client, local_api):
    me = await sign_up(client, "httpflow")
    ok = await new_flow(client, me.workspace, example("http_fallback", URL=local_api.url("/order")))
    assert text(await execute(client, ok.name)) == "Order A-17 is shipped."
    other_port = local_api.port + 1 if local_api.port < 65535 else local_api.port - 1
    refused = {
        "loopback": f"http://127.0.0.1:{other_port}/order",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "dns to loopback": f"http://localhost:{local_api.port}/order",
        "redirect to private": local_api.url("/redirect?to=http://10.0.0.7/x"),
        "redirect to metadata": local_api.url("/redirect?to=http://169.254.169.254/"),
        "v4-mapped v6": "http://[::ffff:127.0.0.1]:80/",
        "over the size cap": local_api.url("/big"),
    }
    for why, url in refused.items():
        flow = await new_flow(
            client, me.workspace, example("http_fallback", URL=url), name=why[:20]
        )
        events = await execute(client, flow.name)
        node = finished_nodes(events)["api"]
        assert node.error.startswith("refused:"), (why, node.error)
        assert text(events) == "Sorry, the order service is unavailable (refused).", why
        assert events[-1].run_finished.state == SUCCEEDED  # the error handle was followed
    assert local_api.hits.count("/redirect") == 2  # refused at the redirect, never followed


async def test_http_credentials_come_from_a_secret_and_never_show(client, local_api):
    me = await sign_up(client, "httpsecret")
    await client.flow.CreateChatflowSecret(
        flow_pb2.CreateChatflowSecretRequest(
            parent=me.workspace,
            chatflow_secret_id="orders-token",
            chatflow_secret=flow_pb2.ChatflowSecret(value=TOKEN),
        )
    )
    g = graph(
        [
            {"id": "start", "type": "start"},
            {"id": "api", "type": "http", "config": {
                "url": local_api.url("/secure"), "auth": {"type": "bearer", "secret": "orders-token"},
                "headers": {"x-echo": "{{ sys.message }}"}}},
            {"id": "ans", "type": "answer", "config": {"text": "ok={{ api.json.ok }}"}},
        ],
        [{"source": "start", "target": "api"}, {"source": "api", "target": "ans"}],
    )  # fmt: skip
    flow = await new_flow(client, me.workspace, g)
    events = await execute(client, flow.name, f"leak {TOKEN}")
    assert text(events) == "ok=True"
    stored = await client.flow.GetChatflowRun(
        flow_pb2.GetChatflowRunRequest(name=events[0].run_started.run)
    )
    assert TOKEN not in str(events) and TOKEN not in str(stored)
    assert "[redacted]" in stored.message


async def test_a_hung_node_is_interrupted_by_its_timeout_within_100_ms(client, local_api):
    me = await sign_up(client, "hung")
    flow = await new_flow(
        client, me.workspace, example("http_fallback", URL=local_api.url("/hang"))
    )
    events = await execute(client, flow.name)
    node = finished_nodes(events)["api"]
    duration = node.duration.ToNanoseconds() / 1e6
    assert node.error.startswith("timeout:") and 500 <= duration < 600, (node.error, duration)
    assert text(events) == "Sorry, the order service is unavailable (timeout)."


async def test_a_loop_accumulates_a_value_over_rounds(client):
    me = await sign_up(client, "loop")
    flow = await new_flow(client, me.workspace, example("loop_accumulate"))
    events = await execute(client, flow.name)
    assert text(events) == "total 10 after 4 rounds"
    rounds = [e.loop_round_finished for e in events if e.HasField("loop_round_finished")]
    assert [r.variables["total"] for r in rounds] == [1, 3, 6, 10]
    assert [e.loop_round_started.round for e in events if e.HasField("loop_round_started")] == [
        0, 1, 2, 3,
    ]  # fmt: skip
    assert finished_nodes(events)["sum[2]/add"].output.struct_value["result"] == 6


@pytest.mark.parametrize(
    "mode, answer",
    [
        ("skip", '["A", "B", "D", "E"] errors=1'),
        ("keep", None),
        ("stop", "stopped:"),
    ],
)
async def test_an_iteration_runs_items_in_parallel_under_each_error_mode(client, mode, answer):
    me = await sign_up(client, f"iter{mode}")
    flow = await new_flow(client, me.workspace, example("iteration_parallel", MODE=mode))
    started = time.perf_counter()
    events = await execute(client, flow.name, "a b boom d e")
    elapsed = time.perf_counter() - started
    said = text(events)
    if mode == "keep":
        assert said.startswith('["A", "B", {"error": "node shout failed: code:') and said.endswith(
            '"D", "E"] errors=1'
        ), said
    else:
        assert said.startswith(answer), said
    done = {p for p in finished_nodes(events) if p.startswith("each[")}
    if mode == "stop":  # the failure cancels the items still running, however far they got
        assert "each[2]/shout" in done  # the failed item is reported
    else:
        assert done >= {"each[0]/shout", "each[1]/shout", "each[3]/shout", "each[4]/shout"}
    assert elapsed < 30


async def test_a_client_cancel_stops_the_run_and_generation_upstream(client, chat_counters):
    me = await sign_up(client, "cancel")
    flow = await new_flow(client, me.workspace, example("story_stream"))
    before = await chat_counters()
    call = client.flow.ExecuteChatflow(
        flow_pb2.ExecuteChatflowRequest(
            name=flow.name, message="Write a very long story about a dragon, with many chapters."
        )
    )
    run_name, deltas = "", 0
    async for event in call:
        run_name = run_name or event.run_started.run
        deltas += event.HasField("delta")
        if deltas == 5:
            break
    call.cancel()
    stopped_after, now = await until_cancelled(chat_counters, before, time.monotonic())
    assert now["generations_cancelled"] == before["generations_cancelled"] + 1, now
    assert stopped_after < 0.5, f"generation stopped {stopped_after:.3f}s after the cancel"
    for _ in range(100):  # the run is stored as it ended, shielded from the cancel
        run = await client.flow.GetChatflowRun(flow_pb2.GetChatflowRunRequest(name=run_name))
        if run.state != flow_pb2.ChatflowRun.STATE_RUNNING:
            break
        await asyncio.sleep(0.02)
    assert run.state == flow_pb2.ChatflowRun.STATE_CANCELLED
    session = await client.flow.GetChatflowSession(
        flow_pb2.GetChatflowSessionRequest(name=run.session)
    )
    assert session.messages[1].incomplete


async def test_a_code_node_cannot_escape_and_the_server_is_unharmed(client):
    me = await sign_up(client, "escape")
    attempts = {
        "network": "function main(){ return fetch('http://169.254.169.254/'); }",
        "xhr": "function main(){ return new XMLHttpRequest(); }",
        "filesystem": "function main(){ return require('fs').readFileSync('/etc/passwd', 'utf8'); }",
        "process": "function main(){ return process.env; }",
        "spawn": "function main(){ return require('child_process').execSync('id'); }",
        "import": "async function main(){ return await import('fs'); }",
        "infinite loop": "function main(){ while (true) {} }",
        "memory bomb": "function main(){ const a = []; while (true) a.push(new Array(1e6).fill(7)); }",
    }
    for why, source in attempts.items():
        g = graph(
            [
                {"id": "start", "type": "start"},
                {"id": "code", "type": "code", "config": {
                    "source": source, "cpu_ms": 500, "memory_mb": 32,
                    "on_error": {"policy": "branch"}}},
                {"id": "ans", "type": "answer", "config": {"text": "escaped: {{ code.result }}"}},
                {"id": "caught", "type": "answer", "config": {"text": "{{ code.error_message }}"}},
            ],
            [{"source": "start", "target": "code"}, {"source": "code", "target": "ans"},
             {"source": "code", "source_handle": "error", "target": "caught"}],
        )  # fmt: skip
        flow = await new_flow(client, me.workspace, g, name=why)
        events = await execute(client, flow.name, seconds=30)
        said = text(events)
        assert not said.startswith("escaped"), (why, said)
        if why == "infinite loop":
            assert "timeout" in said, said
        if why == "memory bomb":
            assert "memory" in said, said
    # The server still runs code (and everything else).
    ok = graph(
        [
            {"id": "start", "type": "start"},
            {
                "id": "code",
                "type": "code",
                "config": {"source": "function main(){ return 6 * 7; }"},
            },
            {"id": "ans", "type": "answer", "config": {"text": "{{ code.result }}"}},
        ],
        [{"source": "start", "target": "code"}, {"source": "code", "target": "ans"}],
    )
    flow = await new_flow(client, me.workspace, ok, name="fine")
    assert text(await execute(client, flow.name)) == "42"


async def test_a_code_node_past_its_time_limit_is_killed(client, stack):
    me = await sign_up(client, "killed")
    g = graph(
        [
            {"id": "start", "type": "start"},
            {"id": "code", "type": "code", "config": {
                "source": "function main(){ while (true) {} }", "cpu_ms": 10000,
                "timeout_ms": 300}},
            {"id": "ans", "type": "answer", "config": {"text": "{{ code.result }}"}},
        ],
        [{"source": "start", "target": "code"}, {"source": "code", "target": "ans"}],
    )  # fmt: skip
    flow = await new_flow(client, me.workspace, g)
    started = time.perf_counter()
    events = await execute(client, flow.name)
    assert time.perf_counter() - started < 2
    assert events[-1].run_finished.state == flow_pb2.ChatflowRun.STATE_FAILED
    assert "timeout" in finished_nodes(events)["code"].error
    async with raises(grpc.StatusCode.NOT_FOUND):
        await execute(client, flow.name + "-missing")
