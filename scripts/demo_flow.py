"""A chatflow in one run, through Envoy's REST/JSON API only: sign up → knowledge base with
the handbook → draft the example knowledge → llm → answer chatflow
(examples/chatflows/knowledge_answer.json) → validate → finalize (version 1) → run it,
printing node events and tokens as they stream → read the stored run.

    make demo-flow                                        # starts its own stack
    .venv/bin/python scripts/demo_flow.py --url http://127.0.0.1:8080   # against `make run`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo import HANDBOOK, QUESTION, own_stack, sse, step  # noqa: E402

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "chatflows" / "knowledge_answer.json"


async def knowledge_base(client: httpx.AsyncClient, workspace: str) -> str:
    kb = (
        await client.post(
            f"/v1/{workspace}/knowledgeBases",
            json={"displayName": "Handbook", "chunking": {"chunkSize": 400, "chunkOverlap": 50}},
        )
    ).json()["name"]
    doc = await client.post(
        f"/v1/{kb}/documents",
        json={
            "document": {"displayName": HANDBOOK.name, "contentType": "text/markdown"},
            "text": HANDBOOK.read_text(),
        },
    )
    doc.raise_for_status()
    async for event in sse_get(client, f"/v1/{doc.json()['name']}:watchIngestion"):
        print(f"   ingestion {event['state']}", flush=True)
    return kb


async def sse_get(client: httpx.AsyncClient, path: str):
    async with client.stream("GET", path) as reply:
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                yield json.loads(line.removeprefix("data: "))


async def demo(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        step("sign up")
        reply = await client.post(
            "/v1/auth/email:signUp",
            json={
                "email": f"flowdemo-{secrets.token_hex(4)}@example.com",
                "password": "correct horse battery staple 42",
            },
        )
        reply.raise_for_status()
        session = reply.json()
        client.headers["authorization"] = f"Bearer {session['accessToken']}"
        workspace = session["workspace"]

        step("a knowledge base with the handbook")
        kb = await knowledge_base(client, workspace)

        step("draft the knowledge -> llm -> answer chatflow and validate it")
        example = json.loads(EXAMPLE.read_text().replace("${KB}", kb))
        draft = (
            await client.post(
                f"/v1/{workspace}/chatflowDrafts",
                json={"displayName": example["display_name"], "graph": example["graph"]},
            )
        ).json()
        report = (
            await client.post(
                f"/v1/{workspace}/chatflows:validate", json={"chatflow": draft["name"]}
            )
        ).json()
        print(f"   {draft['name']}: valid={report['valid']} issues={len(report.get('issues', []))}")

        step("finalize it (version 1 published)")
        flow = (await client.post(f"/v1/{draft['name']}:finalize", json={})).json()
        print(f"   {flow['name']} version {flow['publishedVersion']}")

        step(f"run it: {QUESTION}")
        started, first = time.monotonic(), None
        async for event in sse(client, f"/v1/{flow['name']}:execute", {"message": QUESTION}):
            (kind,) = event.keys()
            body = event[kind]
            if kind == "delta":
                first = first or time.monotonic() - started
                print(body["text"], end="", flush=True)
            elif kind == "nodeStarted":
                print(f"   > {body['nodeId']} ({body['nodeType']})", flush=True)
            elif kind == "nodeFinished":
                print(f"\n   < {body['nodeId']} {body['state']} {body['duration']}", flush=True)
            elif kind == "citations":
                for cited in body["citations"]:
                    c = cited["citation"]
                    print(f"   cited: {c['documentDisplayName']} chunk {c.get('chunkIndex', 0)}")
            elif kind == "runStarted":
                run_name = body["run"]
                print(f"   run {run_name}")
            elif kind == "runFinished":
                print(f"   finished: {body['state']} {body.get('error', '')}")
            elif kind == "attestation":
                print(f"   attestation: {body['state']}")
        if first:
            print(f"   (first token after {first * 1000:.0f} ms)")

        step("the stored run")
        run = (await client.get(f"/v1/{run_name}")).json()
        for node in run["nodeRuns"]:
            print(f"   {node['nodeId']:<6} {node['state']:<16} {node['duration']}")
        print(f"   output: {run['output'][:200]}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running platform's REST base URL (default: start one)")
    args = parser.parse_args()
    if args.url:
        await demo(args.url)
        return
    async with own_stack() as url:
        await demo(url)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
