"""Channel webhooks through the real Envoy (REST transcoding of google.api.HttpBody): a
Slack body with odd spacing and raw UTF-8 verifies byte for byte, a bad signature is 401,
WhatsApp's verify GET echoes the challenge as text, an oversized body is 413."""

from __future__ import annotations

import hashlib
import hmac
import time

import httpx
import pytest
from helpers import sign_up

from privexbot.v1 import bot_pb2

pytestmark = [pytest.mark.envoy]


async def channel(client, workspace: str, platform: int, **credentials) -> str:
    draft = await client.bot.CreateChatbotDraft(
        bot_pb2.CreateChatbotDraftRequest(
            parent=workspace,
            chatbot_draft=bot_pb2.ChatbotDraft(config=bot_pb2.ChatbotConfig(display_name="B")),
        )
    )
    bot = await client.bot.FinalizeChatbotDraft(
        bot_pb2.FinalizeChatbotDraftRequest(name=draft.name)
    )
    made = await client.bot.CreateChannel(
        bot_pb2.CreateChannelRequest(
            parent=workspace,
            channel=bot_pb2.Channel(
                target=bot.name,
                platform=platform,
                credentials=bot_pb2.ChannelCredentials(**credentials),
            ),
        )
    )
    return made.webhook_path


async def test_webhooks_through_envoy_keep_the_bytes(client, edge):
    me = await sign_up(client, "edgehook")
    slack = await channel(
        client, me.workspace, bot_pb2.Channel.PLATFORM_SLACK,
        bot_token="xoxb-1", signing_secret="edge-signing",
    )  # fmt: skip
    body = '{ "type" :"url_verification",\r\n "challenge":"ch-é \\u00e9", "n": 1.50 }\n'.encode()
    ts = str(int(time.time()))
    digest = hmac.new(b"edge-signing", b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": "v0=" + digest.hexdigest(),
    }
    async with httpx.AsyncClient(base_url=edge, timeout=10) as http:
        reply = await http.post(slack, content=body, headers=headers)
        assert reply.status_code == 200, reply.text
        assert reply.json() == {"challenge": "ch-é é"}
        tampered = await http.post(slack, content=body.replace(b"1.50", b"1.5"), headers=headers)
        assert tampered.status_code == 401 and tampered.json()["code"] == 16
        big = await http.post(slack, content=b"x" * (8 * 1024 * 1024), headers=headers)
        assert big.status_code == 413

        whatsapp = await channel(
            client, me.workspace, bot_pb2.Channel.PLATFORM_WHATSAPP,
            bot_token="w", signing_secret="s", account_id="1", verify_token="vt-edge",
        )  # fmt: skip
        query = {"hub.mode": "subscribe", "hub.verify_token": "vt-edge", "hub.challenge": "4711"}
        handshake = await http.get(whatsapp, params=query)
        assert handshake.status_code == 200 and handshake.text == "4711"
        assert handshake.headers["content-type"].startswith("text/plain")
        unknown = await http.post("/webhooks/slack/nope", content=body, headers=headers)
        assert unknown.status_code == 404
