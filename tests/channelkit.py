"""Helpers for channel tests: a bot token of a test's own, a connection made, a webhook
delivered over gRPC, Telegram updates, and the replies a local platform server saw."""

from __future__ import annotations

import json
import secrets

from google.api import httpbody_pb2

from privexbot.v1 import bot_pb2


def new_token() -> str:
    """A bot token of its own (the local platform server outlives one test)."""
    return "123456:telegram-bot-token-" + secrets.token_hex(8)


async def create(client, workspace: str, channel: bot_pb2.Channel, **fields) -> bot_pb2.Channel:
    return await client.bot.CreateChannel(
        bot_pb2.CreateChannelRequest(parent=workspace, channel=channel, **fields)
    )


async def connect(client, workspace: str, bot: str, platform: int, **credentials) -> str:
    """A channel of ``platform`` for ``bot``; its id (the webhook path's last part)."""
    channel = await create(
        client,
        workspace,
        bot_pb2.Channel(
            target=bot,
            platform=platform,
            credentials=bot_pb2.ChannelCredentials(**credentials),
        ),
    )
    return channel.name.rsplit("/", 1)[1]


async def webhook(client, platform: str, channel: str, body: bytes = b"", headers=(), hub=None):
    return await client.bot.ReceiveChannelWebhook(
        bot_pb2.ReceiveChannelWebhookRequest(
            platform=platform,
            channel=channel,
            body=httpbody_pb2.HttpBody(content_type="application/json", data=body),
            hub=bot_pb2.WebhookVerification(**(hub or {})),
        ),
        metadata=tuple(headers),
    )


def update(update_id: int, user: int, text: str) -> bytes:
    message = {"message_id": update_id, "from": {"id": user}, "chat": {"id": -5}, "text": text}
    return json.dumps({"update_id": update_id, "message": message}).encode()


def finals(calls) -> dict[int, str]:
    """Question message id -> the reply's text in the end (sent, then perhaps edited while
    written), in the order the replies began; only replies no longer being written."""
    ours, shown = {}, {}
    for call in calls:
        if call.method == "sendMessage":
            ours[call.made] = call.payload["reply_parameters"]["message_id"]
            shown[ours[call.made]] = call.payload["text"]
        elif call.method == "editMessageText":
            shown[ours[call.payload["message_id"]]] = call.payload["text"]
    return {q: text for q, text in shown.items() if not text.endswith(" …")}
