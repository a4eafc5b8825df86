"""KnowledgeService acceptance (issue #5) as a REST client sees it through the real Envoy,
over each backend, with milvus-lite and the real embedding model in the enclave:

create a knowledge base → CreateDocument (inline text) → watch ingestion to done (a server
stream: Envoy sends SSE-style ``data: {json}`` events) → search returns the right chunk
first with its citation → delete the document → search is empty and Milvus holds no
vector of it (asked directly, not through the API).

Through Envoy every caller is this machine, so sign-ups share one per-IP budget: one user
per module.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from helpers import PASSWORD, unique_email

pytestmark = pytest.mark.envoy

HANDBOOK = Path(__file__).resolve().parents[1] / "data" / "knowledge" / "handbook.md"
QUESTION = "How often does the office wifi password change?"
ANSWER = "every 90 days"


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


def ids(name: str) -> dict[str, str]:
    parts = name.split("/")
    return dict(zip(parts[0::2], parts[1::2], strict=True))


@pytest.fixture(scope="module")
async def user(edge) -> dict:
    """One REST sign-up per backend: ``accessToken``, ``workspace``."""
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        return ok(
            await client.post(
                "/v1/auth/email:signUp",
                json={"email": unique_email("knowledge"), "password": PASSWORD},
            )
        )


@pytest.fixture
async def rest(edge, user):
    headers = {"authorization": f"Bearer {user['accessToken']}"}
    async with httpx.AsyncClient(base_url=edge, headers=headers, timeout=30) as client:
        yield client


async def watch_until_done(rest: httpx.AsyncClient, name: str) -> list[dict]:
    """The IngestionEvents of ``GET /v1/{name}:watchIngestion``, read as they arrive until
    the server ends the stream (every watched document is ready, failed or cancelled)."""
    events = []
    async with (
        asyncio.timeout(180),
        rest.stream("GET", f"/v1/{name}:watchIngestion", timeout=None) as reply,
    ):
        assert reply.status_code == 200, await reply.aread()
        assert reply.headers["content-type"] == "text/event-stream"
        async for line in reply.aiter_lines():
            if not line:
                continue  # the blank line that ends an event
            assert line.startswith("data: "), line
            events.append(json.loads(line.removeprefix("data: ")))
    assert "grpc-status" not in reply.headers or reply.headers["grpc-status"] == "0"
    return events


async def search(rest: httpx.AsyncClient, kb: str, query: str = QUESTION) -> list[dict]:
    reply = ok(await rest.post(f"/v1/{kb}:search", json={"query": query}))
    assert "attestation" in reply
    return reply.get("results", [])


async def test_create_ingest_watch_search_delete_leaves_no_vectors(rest, user, stack):
    user_workspace = user["workspace"]
    kb = ok(
        await rest.post(
            f"/v1/{user_workspace}/knowledgeBases",
            json={"displayName": "Handbook", "description": "the office handbook"},
        )
    )
    assert kb["name"].startswith(f"{user_workspace}/knowledgeBases/")
    assert kb["chunking"]["strategy"] == "STRATEGY_RECURSIVE"
    assert kb["embeddingDimensions"] == 384

    text = HANDBOOK.read_text()
    doc = ok(
        await rest.post(
            f"/v1/{kb['name']}/documents",
            json={
                "document": {"displayName": "handbook.md", "contentType": "text/markdown"},
                "text": text,
            },
        )
    )
    assert doc["name"].startswith(f"{kb['name']}/documents/")
    assert doc["displayName"] == "handbook.md" and doc["contentType"] == "text/markdown"
    assert doc["state"] in ("STATE_PENDING", "STATE_PROCESSING", "STATE_READY")

    events = await watch_until_done(rest, doc["name"])
    assert events and all(e["document"] == doc["name"] for e in events)
    last = events[-1]
    assert last["state"] == "STATE_READY", last
    assert last["progress"]["stage"] == "STAGE_DONE"
    assert last["progress"]["percentComplete"] == 100
    chunks = last["progress"]["chunksTotal"]
    assert chunks > 0 and last["progress"]["chunksIndexed"] == chunks

    got = ok(await rest.get(f"/v1/{doc['name']}"))
    assert got["state"] == "STATE_READY" and got["chunkCount"] == chunks

    results = await search(rest, kb["name"])
    assert results, "no search results"
    top = results[0]
    assert ANSWER in top["text"], top
    citation = top["citation"]
    assert citation["document"] == doc["name"]
    assert citation["documentDisplayName"] == "handbook.md"
    assert citation["headingPath"][0] == "Northwind Labs Handbook"
    assert citation["endOffset"] > citation["startOffset"]

    listed = ok(await rest.get(f"/v1/{doc['name']}/chunks", params={"pageSize": 1000}))
    assert [c["citation"].get("chunkIndex", 0) for c in listed["chunks"]] == list(range(chunks))
    queued = ok(await rest.post(f"/v1/{doc['name']}:reindex", json={}))
    assert queued["state"] in ("STATE_PENDING", "STATE_PROCESSING", "STATE_READY")
    assert (await watch_until_done(rest, doc["name"]))[-1]["state"] == "STATE_READY"

    scope = ids(doc["name"])
    vectors = stack.running.platform.vectors
    org, document_id = scope["organizations"], scope["documents"]
    assert await vectors.count(organization_id=org, document_id=document_id) == chunks

    deleted = await rest.delete(f"/v1/{doc['name']}")
    assert deleted.status_code == 200, deleted.text
    assert await search(rest, kb["name"]) == []
    assert (await rest.get(f"/v1/{doc['name']}")).status_code == 404

    # The worker applies the owed deletion on its own, soon after the delete committed.
    for _ in range(300):
        if not await vectors.count(organization_id=org, document_id=document_id):
            break
        await asyncio.sleep(0.1)
    # And nothing is left owed: applying the outbox again changes nothing.
    await stack.running.platform.ingestion.apply_outbox()
    assert await vectors.count(organization_id=org, document_id=document_id) == 0
    assert await vectors.count(organization_id=org, knowledge_base_id=scope["knowledgeBases"]) == 0

    listed = ok(await rest.get(f"/v1/{kb['name']}/documents"))
    assert listed.get("documents", []) == []
    assert ok(await rest.get(f"/v1/{kb['name']}"))["documentCount"] == 0


async def test_website_sources_and_document_updates_over_rest(rest, user):
    """The new routes through Envoy: a website source on a private address refused with
    its field violation, an empty list, a missing source; a document relabelled by PATCH."""
    kb = ok(await rest.post(f"/v1/{user['workspace']}/knowledgeBases", json={"displayName": "W"}))
    refused = await rest.post(
        f"/v1/{kb['name']}/websiteSources", json={"startUrl": "http://10.0.0.1/", "maxPages": 5}
    )
    assert refused.status_code == 400, refused.text
    (info,) = [d for d in refused.json()["details"] if d["@type"].endswith("ErrorInfo")]
    assert info["reason"] == "SITE_UNREACHABLE"
    (bad,) = [d for d in refused.json()["details"] if d["@type"].endswith("BadRequest")]
    assert bad["fieldViolations"][0]["field"] == "website_source.start_url"
    listed = ok(await rest.get(f"/v1/{kb['name']}/websiteSources"))
    assert listed.get("websiteSources", []) == []
    assert (await rest.get(f"/v1/{kb['name']}/websiteSources/nope")).status_code == 404
    assert (
        await rest.post(f"/v1/{kb['name']}/websiteSources/nope:sync", json={})
    ).status_code == 404

    doc = ok(
        await rest.post(
            f"/v1/{kb['name']}/documents",
            json={"document": {"displayName": "note"}, "text": "Lunch is at noon."},
        )
    )
    changed = ok(
        await rest.patch(
            f"/v1/{doc['name']}",
            json={"document": {"labels": {"team": "ops"}}, "updateMask": "labels"},
        )
    )
    assert changed["labels"] == {"team": "ops"} and changed["name"] == doc["name"]
