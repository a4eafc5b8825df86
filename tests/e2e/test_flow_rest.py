"""FlowService through the real Envoy, each backend, with the real enclave: a team builds a
chatflow over REST, runs it as Server-Sent Events (node events, then the model's tokens as
they are generated, then the run's end) and over gRPC-Web as a browser would, and reads the
stored run back. One sign-up per module (every caller through Envoy is this machine)."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from helpers import PASSWORD, unique_email

from privexbot.v1 import flow_pb2

from .test_envoy import GRPC_WEB, grpc_web_body, grpc_web_frames

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

STORY = {
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "llm", "type": "llm",
         "config": {"user": "{{ sys.message }}", "max_tokens": 32, "temperature": 0}},
        {"id": "ans", "type": "answer", "config": {"text": "{{ llm.text }}"}},
    ],
    "edges": [
        {"id": "e1", "source": "start", "target": "llm"},
        {"id": "e2", "source": "llm", "target": "ans"},
    ],
}  # fmt: skip


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="module")
async def team(edge) -> dict:
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        return ok(
            await client.post(
                "/v1/auth/email:signUp",
                json={"email": unique_email("flowrest"), "password": PASSWORD},
            )
        )


async def test_a_chatflow_built_and_run_over_rest_and_grpc_web(edge, team):
    auth = {"authorization": f"Bearer {team['accessToken']}"}
    async with httpx.AsyncClient(base_url=edge, headers=auth, timeout=60) as rest:
        draft = ok(
            await rest.post(
                f"/v1/{team['workspace']}/chatflowDrafts",
                json={"displayName": "Story", "graph": STORY},
            )
        )
        report = ok(
            await rest.post(
                f"/v1/{team['workspace']}/chatflows:validate", json={"chatflow": draft["name"]}
            )
        )
        assert report["valid"] is True, report
        flow = ok(await rest.post(f"/v1/{draft['name']}:finalize", json={}))
        assert flow["publishedVersion"] == 1
        events = []
        async with rest.stream(
            "POST", f"/v1/{flow['name']}:execute", json={"message": "Tell a long story."}
        ) as reply:
            assert reply.status_code == 200, await reply.aread()
            assert reply.headers["content-type"] == "text/event-stream"
            async for line in reply.aiter_lines():
                if line.startswith("data: "):
                    events.append((time.monotonic(), json.loads(line.removeprefix("data: "))))
        kinds = [next(iter(e)) for _, e in events]
        assert kinds[0] == "runStarted" and kinds[-1] == "runFinished", kinds
        assert events[-1][1]["runFinished"]["state"] == "STATE_SUCCEEDED"
        assert {"nodeStarted", "nodeFinished", "delta", "usage", "attestation"} <= set(kinds)
        deltas = [t for t, e in events if "delta" in e]
        assert len(deltas) > 5 and deltas[-1] - deltas[0] > 0.05  # streamed, not buffered
        run = ok(await rest.get(f"/v1/{events[0][1]['runStarted']['run']}"))
        assert [n["nodeId"] for n in run["nodeRuns"]] == ["start", "llm", "ans"]
        assert run["output"] == "".join(e["delta"]["text"] for _, e in events if "delta" in e)
        runs = ok(await rest.get(f"/v1/{flow['name']}/runs"))
        assert [r["name"] for r in runs["chatflowRuns"]] == [run["name"]]
        bad = await rest.patch(
            f"/v1/{flow['name']}",
            params={"updateMask": "graph"},
            json={"graph": {"nodes": [{"id": "start", "type": "start"}]}},
        )
        assert bad.status_code == 400, bad.text
        assert bad.json()["details"][0]["reason"] == "GRAPH_INVALID"

    async with httpx.AsyncClient(base_url=edge, headers={**auth, **GRPC_WEB}, timeout=60) as web:
        reply = await web.post(
            "/privexbot.v1.FlowService/ExecuteChatflow",
            content=grpc_web_body(
                flow_pb2.ExecuteChatflowRequest(name=flow["name"], message="Another story.")
            ),
        )
        frames, trailers = grpc_web_frames(reply.content)
        assert trailers["grpc-status"] == "0", trailers
        got = [flow_pb2.ChatflowEvent.FromString(f) for f in frames]
        assert got[0].HasField("run_started") and got[-1].HasField("run_finished")
        assert any(e.HasField("delta") for e in got)
