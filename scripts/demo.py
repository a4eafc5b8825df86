"""The product in one run, through Envoy's REST/JSON API only (what a browser or curl sees):
sign up → create a knowledge base → upload the handbook → draft a chatbot, test it, finalize
it → stream a grounded answer with citations, printing tokens as they arrive.

    make demo                                   # starts its own stack on free ports
    .venv/bin/python scripts/demo.py --url http://127.0.0.1:8080   # against `make run`

The self-started stack is the embedded default (SQLite, in-process store, milvus-lite, the
local enclave with its real models, Envoy) in a temporary directory, stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
HANDBOOK = ROOT / "tests" / "data" / "knowledge" / "handbook.md"
QUESTION = "How often does the office wifi password rotate?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def step(text: str) -> None:
    print(f"\n== {text}", flush=True)


@contextlib.asynccontextmanager
async def own_stack():
    """Enclave + server + Envoy, like `make run`, in a temporary directory."""
    from privexbot import config
    from privexbot.app import create_server
    from privexbot.dev.edge import Envoy
    from privexbot.dev.local_enclave import LocalEnclave
    from privexbot.store import migrate

    with tempfile.TemporaryDirectory(prefix="privexbot-demo-") as tmp:
        enclave = LocalEnclave(
            f"http://127.0.0.1:{free_port()}/v1",
            "sk-demo-" + secrets.token_hex(16),
            log_path=Path(tmp) / "enclave.log",
        )
        print("starting the enclave (real models), the server and Envoy ...", flush=True)
        await enclave.start()
        database_url = f"sqlite+aiosqlite:///{tmp}/privexbot.db"
        await asyncio.to_thread(migrate.upgrade, database_url)
        settings = config.load(
            environ={},
            database_url=database_url,
            milvus_uri=f"{tmp}/milvus.db",
            grpc_address="127.0.0.1:0",
            inference_base_url=enclave.base_url,
            inference_api_key=enclave.api_key,
        )
        running = await create_server(settings)
        envoy = Envoy("127.0.0.1", running.port, port=0, admin_port=0, concurrency=1)
        await envoy.astart()
        try:
            yield envoy.url
        finally:
            await envoy.astop()
            await running.stop(1)
            await enclave.stop()


async def sse(client: httpx.AsyncClient, path: str, body: dict):
    """The JSON events of a server-streaming RPC over REST (Server-Sent Events)."""
    async with client.stream("POST", path, json=body) as reply:
        if reply.status_code != 200:
            raise SystemExit(f"{path}: HTTP {reply.status_code} {(await reply.aread()).decode()}")
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                yield json.loads(line.removeprefix("data: "))


async def stream_reply(client: httpx.AsyncClient, path: str, body: dict) -> dict:
    """Print the reply's tokens as they arrive; return the last event of each kind."""
    last: dict = {}
    started = time.monotonic()
    first_token = None
    async for event in sse(client, path, body):
        (kind,) = event.keys()
        last[kind] = event[kind]
        if kind == "delta":
            first_token = first_token or time.monotonic() - started
            print(event["delta"]["text"], end="", flush=True)
    print(f"\n   (first token after {first_token * 1000:.0f} ms)" if first_token else "")
    return last


async def demo(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        step("sign up")
        email = f"demo-{secrets.token_hex(4)}@example.com"
        reply = await client.post(
            "/v1/auth/email:signUp",
            json={"email": email, "password": "correct horse battery staple 42"},
        )
        reply.raise_for_status()
        session = reply.json()
        client.headers["authorization"] = f"Bearer {session['accessToken']}"
        workspace = session["workspace"]
        print(f"   {email} → {workspace}")

        step("create a knowledge base and upload the handbook")
        kb = (
            await client.post(
                f"/v1/{workspace}/knowledgeBases",
                json={
                    "displayName": "Handbook",
                    "chunking": {"chunkSize": 400, "chunkOverlap": 50},
                },
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
        name = doc.json()["name"]
        async with client.stream("GET", f"/v1/{name}:watchIngestion") as events:
            async for line in events.aiter_lines():
                if line.startswith("data: "):
                    event = json.loads(line.removeprefix("data: "))
                    progress = event.get("progress", {})
                    print(
                        f"   {event['state']:<16} {progress.get('stage', ''):<16}"
                        f" {progress.get('percentComplete', 0):>3}%",
                        flush=True,
                    )
        state = (await client.get(f"/v1/{name}")).json()["state"]
        if state != "STATE_READY":
            raise SystemExit(f"ingestion ended {state}")

        step("draft a chatbot over it and test it before it exists")
        draft = (
            await client.post(
                f"/v1/{workspace}/chatbotDrafts",
                json={
                    "config": {
                        "displayName": "Handbook helper",
                        "systemPrompt": "You answer questions about the Northwind handbook.",
                        "knowledgeBases": [kb],
                        "groundingMode": "GROUNDING_MODE_GUIDED",
                        "maxTokens": 48,
                        "temperature": 0,
                        # The widget's demo page is served by Envoy itself: its origin.
                        "greeting": "Hi! Ask me about the Northwind handbook.",
                        "allowedOrigins": [url.rstrip("/")],
                    }
                },
            )
        ).json()
        print(f"   {draft['name']} (expires {draft['expireTime']})")
        print(f"   test: {QUESTION}\n   ", end="")
        await stream_reply(client, f"/v1/{draft['name']}:test", {"message": QUESTION})

        step("finalize it (version 1 published)")
        bot = (await client.post(f"/v1/{draft['name']}:finalize", json={})).json()
        print(f"   {bot['name']} version {bot['publishedVersion']}")

        step(f"chat: {QUESTION}")
        print("   ", end="")
        last = await stream_reply(client, f"/v1/{bot['name']}:chat", {"message": QUESTION})
        for cited in last.get("citations", {}).get("citations", []):
            c = cited["citation"]
            print(
                f"   cited: {c['documentDisplayName']} chunk {c.get('chunkIndex', 0)}"
                f" ({' > '.join(c.get('headingPath', []))}) score {cited['score']:.2f}"
            )
        usage = last.get("usage", {})
        print(
            f"   tokens: {usage.get('promptTokens', 0)} prompt,"
            f" {usage.get('completionTokens', 0)} completion"
        )
        print(f"   attestation: {last.get('attestation', {}).get('state')}")
        print(f"   stored as {last['done']['message']}")

        step("embed it on a website (the chat widget)")
        key = (await client.post(f"/v1/{bot['name']}:rotatePublishableKey", json={})).json()
        base = url.rstrip("/")
        print(
            f'   <script src="{base}/widget/widget.js" async\n'
            f'     data-chatbot="{bot["name"]}" data-key="{key["publishableKey"]}"></script>'
        )
        query = urlencode({"chatbot": bot["name"], "key": key["publishableKey"]})
        print(f"   demo page: {base}/widget/demo.html?{query}")
        print(f"   (allowed origins: {base}; add your site's with UpdateChatbot, then publish)")


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
