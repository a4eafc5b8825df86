"""The flow compiler's checks, the SSRF guard's address rules, the code sandbox's limits and
each node type's schema (every type documented and compiling in a minimal graph)."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from flowkit import compiled, edge, node

from privexbot.flows import ssrf
from privexbot.flows.nodes import registry
from privexbot.flows.sandbox import Sandbox, SandboxError

START = node("start", "start")
ANSWER = node("ans", "answer", text="x")


def codes(nodes, edges) -> set[tuple[str, str]]:
    return {(i.code, i.node_id) for i in compiled(nodes, edges).issues}


def test_exactly_one_start_and_an_answer():
    assert ("START", "") in codes([ANSWER], [])
    assert ("START", "") in codes([START, node("s2", "start"), ANSWER], [edge("start", "ans")])
    assert ("NO_ANSWER", "") in codes([START], [])


def test_handles_must_exist_for_the_node_type():
    cond = node("c", "condition", cases=[{"id": "y", "rules": [
        {"left": "sys.message", "op": "eq", "right": "y"}]}])  # fmt: skip
    found = compiled([START, cond, ANSWER], [edge("start", "c"), edge("c", "ans", "maybe")])
    issue = next(i for i in found.issues if i.code == "BAD_HANDLE")
    assert issue.node_id == "c" and "'maybe'" in issue.message and "'else'" in issue.message
    # "error" exists only with the branch error policy.
    assert ("BAD_HANDLE", "start") in codes([START, ANSWER], [edge("start", "ans", "error")])


def test_cycles_at_the_top_level_and_inside_a_container():
    top = codes(
        [START, node("a", "template", template="a"), node("b", "template", template="b"), ANSWER],
        [edge("start", "a"), edge("a", "b"), edge("b", "a"), edge("b", "ans")],
    )
    assert ("CYCLE", "a") in top
    loop = node("loop", "loop", max_rounds=2)
    inner = codes(
        [START, loop, node("x", "template", parent="loop", template="x"),
         node("y", "template", parent="loop", template="y"), ANSWER],
        [edge("start", "loop"), edge("loop", "ans"), edge("x", "y"), edge("y", "x")],
    )  # fmt: skip
    assert any(code == "CYCLE" for code, _ in inner)


def test_no_edge_across_a_container_and_every_node_reachable():
    loop = node("loop", "loop", max_rounds=2)
    found = codes(
        [START, loop, node("x", "template", parent="loop", template="x"), ANSWER,
         node("lonely", "template", template="z")],
        [edge("start", "loop"), edge("loop", "ans"), edge("x", "ans")],
    )  # fmt: skip
    assert ("CROSSES_CONTAINER", "x") in found and ("UNREACHABLE", "lonely") in found
    assert ("BAD_PARENT", "y") in codes(
        [START, node("y", "template", parent="start", template="y"), ANSWER],
        [edge("start", "ans")],
    )
    assert ("DANGLING_EDGE", "") in codes([START, ANSWER], [edge("start", "ans"), edge("ans", "x")])


def test_references_resolve_to_declared_outputs_of_matching_type():
    found = compiled(
        [START, node("t", "template", template="{{ t2.text }}{{ start.nope }}{{ conv.v }}"),
         node("t2", "template", template="x"),
         node("iter", "iteration", items="t.text", output="b.text"),
         node("b", "template", parent="iter", template="{{ iter.item }}"), ANSWER],
        [edge("start", "t"), edge("t", "t2"), edge("t2", "iter"), edge("iter", "ans")],
    )  # fmt: skip
    by_code = {(i.code, i.node_id): i for i in found.issues}
    assert ("NOT_UPSTREAM", "t") in by_code  # t2 runs after t
    assert ("UNKNOWN_OUTPUT", "t") in by_code and "message" in by_code[
        ("UNKNOWN_OUTPUT", "t")
    ].message
    assert ("UNKNOWN_VARIABLE", "t") in by_code
    assert ("TYPE_MISMATCH", "iter") in by_code  # a string where a list is needed
    assert by_code[("TYPE_MISMATCH", "iter")].field == "items"


def test_a_value_from_exclusive_branches_needs_a_merge():
    cond = node("c", "condition", cases=[{"id": "y", "rules": [
        {"left": "sys.message", "op": "eq", "right": "y"}]}])  # fmt: skip
    nodes = [START, cond, node("a", "template", template="a"), node("b", "template", template="b")]
    edges = [edge("start", "c"), edge("c", "a", "y"), edge("c", "b", "else")]
    direct = codes(
        [*nodes, node("ans", "answer", text="{{ a.text }}")],
        [*edges, edge("a", "ans"), edge("b", "ans")],
    )
    assert ("NOT_ALWAYS_RUN", "ans") in direct
    merged = compiled(
        [*nodes, node("m", "merge", inputs=["a.text", "b.text"]),
         node("ans", "answer", text="{{ m.value }}")],
        [*edges, edge("a", "m"), edge("b", "m"), edge("m", "ans")],
    )  # fmt: skip
    assert merged.valid, merged.issues


def test_config_schemas_name_the_field():
    found = compiled(
        [START, node("l", "llm", max_tokens=0, temperature="hot", surprise=1), ANSWER],
        [edge("start", "l"), edge("l", "ans")],
    )
    fields = {i.field for i in found.issues if i.node_id == "l"}
    assert fields == {"max_tokens", "temperature", "surprise"}


MINIMAL = {
    "start": {},
    "llm": {},
    "classifier": {"categories": [{"id": "a", "name": "a"}, {"id": "b", "name": "b"}]},
    "condition": {"cases": [{"id": "y", "rules": [{"left": "sys.message", "op": "not_empty"}]}]},
    "knowledge": {"knowledge_bases": ["kb1"]},
    "http": {"url": "https://example.com/"},
    "code": {"source": "function main(){ return 1 }"},
    "template": {"template": "hi"},
    "assign": {"assignments": [{"variable": "v", "template": "x"}]},
    "memory": {},
    "iteration": {"items": "sys.message", "output": "inner.text"},
    "loop": {"max_rounds": 1},
    "answer": {"text": "hi"},
    "merge": {"inputs": ["sys.message"]},
}


@pytest.mark.parametrize("type_", [n for n in registry.names() if not n.startswith("test_")])
def test_every_node_type_is_documented_and_has_a_schema(type_):
    kind = registry.get(type_)
    assert kind.doc and kind.fields is not None
    config = MINIMAL[type_]
    problems = [p for p in kind.check(config) if isinstance(p, tuple)]
    assert problems == [], problems
    assert [p for p in kind.check({"not_a_field": 1}) if isinstance(p, tuple)]


# ---- SSRF guard ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "169.254.1.1",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "fe80::1", "fc00::1", "fd00:ec2::254",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
        "100.100.100.200",
    ],
)  # fmt: skip
def test_private_and_special_addresses_are_refused(address):
    assert ssrf.refusal(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses_pass(address):
    assert ssrf.refusal(address) is None


async def test_a_name_resolving_to_any_private_address_is_refused():
    async def resolve(host, port):
        return {"public.example": ["93.184.215.14"], "mixed.example": ["93.184.215.14", "10.0.0.5"],
                "mapped.example": ["::ffff:127.0.0.1"]}[host]  # fmt: skip

    fetcher = ssrf.Fetcher(resolve=resolve)
    target, host, sni = await fetcher._pinned("https://public.example/x?y=1")
    assert target == "https://93.184.215.14:443/x?y=1" and host == "public.example"
    assert sni == "public.example"
    for url in ("http://mixed.example/", "http://mapped.example/", "ftp://public.example/",
                "http://user:pw@public.example/"):  # fmt: skip
        with pytest.raises(ssrf.Refused):
            await fetcher._pinned(url)


async def test_the_allowance_is_an_exact_literal_address_and_port():
    fetcher = ssrf.Fetcher("127.0.0.1:8123", resolve=None)
    assert (await fetcher._pinned("http://127.0.0.1:8123/a"))[0] == "http://127.0.0.1:8123/a"
    with pytest.raises(ssrf.Refused):
        await fetcher._pinned("http://127.0.0.1:8124/a")


# ---- code sandbox -------------------------------------------------------------------------


async def test_the_sandbox_runs_code_and_contains_failures():
    sandbox = Sandbox(1)
    try:
        assert await sandbox.run("function main(i){ return i.a + 1 }", {"a": 41}, 500, 32) == 42
        for source, kind in (
            ("function main(){ while (true) {} }", "timeout"),
            (
                "function main(){ const a=[]; while(true) a.push(new Array(1e6).fill(1)); }",
                "memory",
            ),
            ("function main(){ return require('fs') }", "code"),
            ("function main(){ return globalThis.leak = 1 }", None),
        ):
            started = time.perf_counter()
            if kind is None:
                await sandbox.run(source, {}, 500, 32)
                continue
            with pytest.raises(SandboxError) as info:
                await sandbox.run(source, {}, 500, 32)
            assert info.value.kind == kind and time.perf_counter() - started < 3
        # A fresh isolate per call: nothing carries over.
        assert (
            await sandbox.run("function main(){ return typeof leak }", {}, 500, 32) == "undefined"
        )
        # Cancelled mid-call (the node's timeout): the process is killed and replaced.
        worker = sandbox._idle._queue[0]
        pid = (await worker.ensure()).pid
        task = asyncio.ensure_future(
            sandbox.run("function main(){ while(true){} }", {}, 10_000, 32)
        )
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert await sandbox.run("function main(){ return 'alive' }", {}, 500, 32) == "alive"
    finally:
        await sandbox.close()
