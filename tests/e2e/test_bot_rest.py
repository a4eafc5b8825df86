"""BotService as a website sees it through the real Envoy, over each backend, with the real
enclave: the team builds a chatbot over REST, then a visitor's browser chats with it using
the publishable key from an allowed origin — tokens arrive as Server-Sent Events while the
model generates, and the answer is stored for the team to read.

Through Envoy every caller is this machine, so sign-ups share one per-IP budget: one user
per module.
"""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from helpers import PASSWORD, unique_email

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

SITE = "https://shop.example.com"


def ok(reply: httpx.Response) -> dict:
    assert reply.status_code == 200, reply.text
    return reply.json()


@pytest.fixture(scope="module")
async def team(edge) -> dict:
    async with httpx.AsyncClient(base_url=edge, timeout=10) as client:
        return ok(
            await client.post(
                "/v1/auth/email:signUp",
                json={"email": unique_email("botrest"), "password": PASSWORD},
            )
        )


async def sse_events(client: httpx.AsyncClient, path: str, body: dict, **headers):
    """(arrival time, event) for each ``data: {json}`` line of a server stream."""
    events = []
    async with client.stream("POST", path, json=body, headers=headers) as reply:
        assert reply.status_code == 200, await reply.aread()
        assert reply.headers["content-type"] == "text/event-stream"
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                events.append((time.monotonic(), json.loads(line.removeprefix("data: "))))
    return events


async def test_a_visitor_chats_with_a_published_bot_through_envoy(edge, team):
    auth = {"authorization": f"Bearer {team['accessToken']}"}
    async with httpx.AsyncClient(base_url=edge, headers=auth, timeout=60) as rest:
        draft = ok(
            await rest.post(
                f"/v1/{team['workspace']}/chatbotDrafts",
                json={
                    "config": {
                        "displayName": "Shop helper",
                        "maxTokens": 24,
                        "temperature": 0,
                        "allowedOrigins": [SITE],
                    }
                },
            )
        )
        bot = ok(await rest.post(f"/v1/{draft['name']}:finalize", json={}))
        key = ok(await rest.post(f"/v1/{bot['name']}:rotatePublishableKey", json={}))
        publishable = key["publishableKey"]

    async with httpx.AsyncClient(base_url=edge, timeout=60) as browser:
        preflight = await browser.options(
            f"/v1/{bot['name']}:chat",
            headers={
                "origin": SITE,
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-publishable-key",
            },
        )
        assert preflight.status_code == 200
        assert "x-publishable-key" in preflight.headers["access-control-allow-headers"]
        events = await sse_events(
            browser,
            f"/v1/{bot['name']}:chat",
            {"message": "Write a long story about a lighthouse.", "visitorId": "visitor-7"},
            origin=SITE,
            **{"x-publishable-key": publishable},
        )
        kinds = [next(iter(e)) for _, e in events]
        assert kinds[0] == "sessionStarted" and kinds[-1] == "done", kinds
        deltas = [t for t, e in events if "delta" in e]
        assert len(deltas) > 5
        # Streamed, not buffered: the deltas arrived spread over the generation.
        assert deltas[-1] - deltas[0] > 0.05, deltas
        done = events[-1][1]["done"]
        assert done["message"].startswith(bot["name"] + "/sessions/")

        # The widget may not read anything; the wrong origin may not even chat.
        refused = await browser.get(
            f"/v1/{bot['name']}", headers={"x-publishable-key": publishable, "origin": SITE}
        )
        assert refused.status_code == 403, refused.text
        infos = [d for d in refused.json()["details"] if d["@type"].endswith("ErrorInfo")]
        assert infos[0]["reason"] == "PUBLISHABLE_KEY_NOT_ALLOWED"
        elsewhere = await browser.post(
            f"/v1/{bot['name']}:chat",
            json={"message": "hi", "visitorId": "visitor-7"},
            headers={"x-publishable-key": publishable, "origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403, elsewhere.text

    async with httpx.AsyncClient(base_url=edge, headers=auth, timeout=30) as rest:
        session = ok(await rest.get(f"/v1/{events[0][1]['sessionStarted']['session']}"))
        assert session["visitorId"] == "visitor-7" and session["messageCount"] == 2
        answer = session["messages"][1]
        assert answer["name"] == done["message"]
        assert answer["content"] == "".join(e["delta"]["text"] for _, e in events if "delta" in e)


async def test_leads_with_fields_are_filtered_and_exported_as_json(edge, team):
    """A visitor leaves a lead with a custom field; the team filters and exports it over
    REST (enum names and nested filters as query parameters)."""
    auth = {"authorization": f"Bearer {team['accessToken']}"}
    capture = {
        "mode": "MODE_DURING_CHAT",
        "emailOptional": True,
        "fields": [{"key": "company", "label": "Company", "required": True}],
    }
    async with httpx.AsyncClient(base_url=edge, headers=auth, timeout=60) as rest:
        config = {"displayName": "Sales", "groundingMode": "GROUNDING_MODE_STRICT"}
        draft = ok(
            await rest.post(
                f"/v1/{team['workspace']}/chatbotDrafts",
                json={"config": {**config, "leadCapture": capture}},
            )
        )
        bot = ok(await rest.post(f"/v1/{draft['name']}:finalize", json={}))
        for lead in (
            {"email": "ada@example.com", "fields": {"company": "ACME"}},
            {"displayName": "Bob", "fields": {"company": "Initech"}},
        ):
            async with rest.stream(
                "POST", f"/v1/{bot['name']}:chat", json={"message": "hello", "lead": lead}
            ) as reply:
                assert reply.status_code == 200
                await reply.aread()
        leads = f"/v1/{team['workspace']}/leads"
        found = ok(await rest.get(leads, params={"filter.fields.key": "company"}))
        assert found["totalSize"] == 2
        exported = await rest.get(
            leads + ":export",
            params={"format": "FORMAT_JSON", "filter.email": "EMAIL_PRESENCE_WITHOUT_EMAIL"},
        )
        assert exported.status_code == 200, exported.text
        pieces = [  # server-sent events, one ExportLeadsResponse each
            json.loads(line.removeprefix("data: "))["data"]
            for line in exported.text.splitlines()
            if line.startswith("data: ")
        ]
        records = json.loads(b"".join(base64.b64decode(p) for p in pieces))
        assert [(r["lead"]["displayName"], r["lead"]["fields"]) for r in records] == [
            ("Bob", {"company": "Initech"})
        ]
