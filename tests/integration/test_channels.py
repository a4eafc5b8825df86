"""Channel connections over the real stack: create, get, list, update, delete a chatbot's
connection; credentials sealed at rest and never returned; Telegram's webhook registered
on connect and removed on delete (at the local platform API server); bad input naming the
fields; another tenant's names NOT_FOUND. (Unauthenticated and forbidden callers of every RPC:
test_authz_matrix.py.)"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

import grpc
from channelkit import connect, create, new_token, webhook
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from google.protobuf import field_mask_pb2
from helpers import raises, sign_up
from sqlalchemy import select
from test_bot import new_bot

from privexbot.store.channel_models import Channel, ChannelDataKey
from privexbot.store.models import AuditEvent
from privexbot.v1 import bot_pb2

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def telegram(target: str, token: str = "") -> bot_pb2.Channel:
    return bot_pb2.Channel(
        target=target,
        platform=bot_pb2.Channel.PLATFORM_TELEGRAM,
        display_name="Support",
        credentials=bot_pb2.ChannelCredentials(bot_token=token or new_token()),
    )


async def test_channel_lifecycle_and_credentials_sealed(client, stack, platform_apis):
    me = await sign_up(client, "channels")
    bot = await new_bot(client, me.workspace)
    token, moved_to = new_token(), new_token()
    channel = await create(client, me.workspace, telegram(bot.name, token), request_id="r-1")
    assert channel.name.startswith(me.workspace + "/channels/") and channel.etag
    assert channel.target == bot.name and channel.platform == bot_pb2.Channel.PLATFORM_TELEGRAM
    assert channel.webhook_path == "/webhooks/telegram/" + channel.name.rsplit("/", 1)[1]
    assert not channel.HasField("credentials")
    again = await create(client, me.workspace, telegram(bot.name, token), request_id="r-1")
    assert again.name == channel.name  # an idempotent retry
    (registered,) = platform_apis.to(token)  # once, not again for the retry
    assert registered.method == "setWebhook"
    assert registered.payload["url"] == "https://bots.example.com" + channel.webhook_path
    secret = registered.payload["secret_token"]
    assert len(secret) >= 32
    got = await client.bot.GetChannel(bot_pb2.GetChannelRequest(name=channel.name))
    assert got == channel
    listed = await client.bot.ListChannels(bot_pb2.ListChannelsRequest(parent=me.workspace))
    assert [c.name for c in listed.channels] == [channel.name]
    async with stack.running.platform.sessions() as session:
        row = (await session.execute(select(Channel))).scalars().all()
        keys = (await session.execute(select(ChannelDataKey))).scalars().all()
    stored = " ".join(r.credentials for r in row) + " ".join(k.wrapped for k in keys)
    assert token not in stored and "telegram-bot-token" not in stored and keys
    assert secret not in stored

    updated = await client.bot.UpdateChannel(
        bot_pb2.UpdateChannelRequest(
            channel=bot_pb2.Channel(
                name=channel.name,
                disabled=True,
                credentials=bot_pb2.ChannelCredentials(bot_token=moved_to),
                etag=channel.etag,
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["disabled", "credentials"]),
        )
    )
    assert updated.disabled and updated.etag != channel.etag and updated.display_name == "Support"
    (moved,) = platform_apis.to(moved_to)  # the same secret, the new bot
    assert moved.method == "setWebhook" and moved.payload["secret_token"] == secret
    async with raises(grpc.StatusCode.ABORTED):
        await client.bot.DeleteChannel(
            bot_pb2.DeleteChannelRequest(name=channel.name, etag=channel.etag)
        )
    await client.bot.DeleteChannel(bot_pb2.DeleteChannelRequest(name=channel.name))
    assert [c.method for c in platform_apis.to(moved_to)][-1] == "deleteWebhook"
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.bot.GetChannel(bot_pb2.GetChannelRequest(name=channel.name))


async def test_a_token_telegram_refuses_connects_nothing(client):
    me = await sign_up(client, "chanrevoked")
    bot = await new_bot(client, me.workspace)
    async with raises(INVALID, fields={"channel.credentials.bot_token"}):
        await create(client, me.workspace, telegram(bot.name, "1:revoked"))
    listed = await client.bot.ListChannels(bot_pb2.ListChannelsRequest(parent=me.workspace))
    assert not listed.channels


async def test_channel_bad_input_names_the_fields(client):
    me = await sign_up(client, "chanbad")
    bot = await new_bot(client, me.workspace)
    async with raises(INVALID, fields={"channel.platform"}):
        await create(client, me.workspace, bot_pb2.Channel(target=bot.name))
    async with raises(INVALID, fields={"channel.target"}):
        await create(client, me.workspace, telegram(me.workspace + "/knowledgeBases/x"))
    slack = bot_pb2.Channel(
        target=bot.name,
        platform=bot_pb2.Channel.PLATFORM_SLACK,
        credentials=bot_pb2.ChannelCredentials(bot_token="xoxb-1"),
    )
    async with raises(INVALID, fields={"channel.credentials.signing_secret"}):
        await create(client, me.workspace, slack)
    discord = bot_pb2.Channel(
        target=bot.name,
        platform=bot_pb2.Channel.PLATFORM_DISCORD,
        credentials=bot_pb2.ChannelCredentials(bot_token="t", public_key="ab", account_id="1"),
    )
    async with raises(INVALID, fields={"channel.credentials.public_key"}):
        await create(client, me.workspace, discord)
    channel = await create(client, me.workspace, telegram(bot.name))
    async with raises(INVALID, fields={"update_mask"}):
        await client.bot.UpdateChannel(
            bot_pb2.UpdateChannelRequest(
                channel=bot_pb2.Channel(name=channel.name, platform=2),
                update_mask=field_mask_pb2.FieldMask(paths=["platform"]),
            )
        )
    async with raises(INVALID, fields={"channel.credentials.bot_token"}):
        await client.bot.UpdateChannel(
            bot_pb2.UpdateChannelRequest(
                channel=bot_pb2.Channel(name=channel.name),
                update_mask=field_mask_pb2.FieldMask(paths=["credentials"]),
            )
        )
    async with raises(grpc.StatusCode.NOT_FOUND):
        await create(client, me.workspace, telegram(me.workspace + "/chatbots/missing"))


async def test_another_tenant_sees_no_channel(client, client_factory):
    me = await sign_up(client, "chanowner")
    bot = await new_bot(client, me.workspace)
    channel = await create(client, me.workspace, telegram(bot.name))
    other = client_factory()
    stranger = await sign_up(other, "chanstranger")
    for call in (
        other.bot.GetChannel(bot_pb2.GetChannelRequest(name=channel.name)),
        other.bot.ListChannels(bot_pb2.ListChannelsRequest(parent=me.workspace)),
        other.bot.DeleteChannel(bot_pb2.DeleteChannelRequest(name=channel.name)),
        other.bot.CreateChannel(
            bot_pb2.CreateChannelRequest(parent=me.workspace, channel=telegram(bot.name))
        ),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND):
            await call
    # Another tenant's chatbot as the target of a channel in one's own workspace.
    async with raises(INVALID, fields={"channel.target"}):
        await create(other, stranger.workspace, telegram(bot.name))


# ---- webhooks ---------------------------------------------------------------------------


async def refused_events(stack, channel_id: str) -> list[str]:
    async with stack.running.platform.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEvent).where(AuditEvent.resource.endswith("/channels/" + channel_id))
            )
        ).scalars()
        return sorted(r.details["reason"] for r in rows if r.action == "channel.webhook_refused")


def slack_headers(secret: str, body: bytes, ts: int | None = None):
    ts = str(int(time.time()) if ts is None else ts)
    base = b"v0:" + ts.encode() + b":" + body
    signature = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return (("x-slack-request-timestamp", ts), ("x-slack-signature", signature))


async def test_slack_webhook_signature_window_handshake_and_replay(client, stack, platform_apis):
    me = await sign_up(client, "slackhook")
    bot = await new_bot(client, me.workspace)
    token = "xoxb-" + secrets.token_hex(8)
    ch = await connect(
        client, me.workspace, bot.name, bot_pb2.Channel.PLATFORM_SLACK,
        bot_token=token, signing_secret="slack-signing",
    )  # fmt: skip
    verify = b'{"type":"url_verification","challenge":"c-123"}'
    answer = await webhook(client, "slack", ch, verify, slack_headers("slack-signing", verify))
    assert json.loads(answer.data) == {"challenge": "c-123"}
    event = (
        b'{"type":"event_callback","event_id":"Ev1","event":{"type":"message",'
        b'"channel_type":"im","channel":"D1","user":"U1","text":"hi"}}'
    )
    headers = slack_headers("slack-signing", event)
    first = await webhook(client, "slack", ch, event, headers)
    again = await webhook(client, "slack", ch, event, headers)  # Slack's retry
    assert first.data == again.data == b"{}"
    (reply,) = await platform_apis.wait_for(token)  # answered once
    assert reply.method == "chat.postMessage" and reply.payload["channel"] == "D1"
    for bad in (
        slack_headers("wrong-secret", event),
        slack_headers("slack-signing", event, int(time.time()) - 301),
        (),
    ):
        async with raises(grpc.StatusCode.UNAUTHENTICATED):
            await webhook(client, "slack", ch, event, bad)
    assert await refused_events(stack, ch) == ["BAD_SIGNATURE", "BAD_SIGNATURE", "STALE_TIMESTAMP"]
    # Unknown, another platform's and disabled channels answer alike.
    for platform, channel in (("slack", "missing"), ("telegram", ch), ("nope", ch)):
        async with raises(grpc.StatusCode.NOT_FOUND, "CHANNEL_NOT_FOUND"):
            await webhook(client, platform, channel, event, slack_headers("slack-signing", event))


async def test_telegram_discord_whatsapp_webhooks(client, stack, platform_apis):
    me = await sign_up(client, "hooks")
    bot = await new_bot(client, me.workspace)
    token = new_token()
    tg = await connect(
        client, me.workspace, bot.name, bot_pb2.Channel.PLATFORM_TELEGRAM, bot_token=token
    )
    secret = platform_apis.to(token)[0].payload["secret_token"]
    update = b'{"update_id":7,"message":{"chat":{"id":1},"text":"hi"}}'
    good = (("x-telegram-bot-api-secret-token", secret),)
    for _ in range(2):  # delivered again: acknowledged, answered once
        assert (await webhook(client, "telegram", tg, update, good)).data == b"{}"
    registered, reply = await platform_apis.wait_for(token, 2)
    assert reply.method == "sendMessage" and reply.payload["chat_id"] == 1
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await webhook(client, "telegram", tg, update, (("x-telegram-bot-api-secret-token", "x"),))

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    dc = await connect(
        client, me.workspace, bot.name, bot_pb2.Channel.PLATFORM_DISCORD,
        bot_token="d", public_key=public, account_id="42",
    )  # fmt: skip

    def signed(body: bytes, ts: int | None = None):
        ts = str(int(time.time()) if ts is None else ts)
        sig = key.sign(ts.encode() + body).hex()
        return (("x-signature-ed25519", sig), ("x-signature-timestamp", ts))

    ping = b'{"type":1}'
    assert json.loads((await webhook(client, "discord", dc, ping, signed(ping))).data) == {
        "type": 1
    }
    command = b'{"type":2,"id":"i-1","data":{"name":"ask"}}'  # no question: a hint at once
    hint = json.loads((await webhook(client, "discord", dc, command, signed(command))).data)
    assert hint["type"] == 4 and "/ask" in hint["data"]["content"]
    for bad in (signed(command, int(time.time()) - 400), signed(ping)):
        async with raises(grpc.StatusCode.UNAUTHENTICATED):
            await webhook(client, "discord", dc, command, bad)

    wa = await connect(
        client, me.workspace, bot.name, bot_pb2.Channel.PLATFORM_WHATSAPP,
        bot_token="w", signing_secret="app-secret", account_id="1", verify_token="vt-1",
    )  # fmt: skip
    answer = await webhook(
        client, "whatsapp", wa, hub={"mode": "subscribe", "verify_token": "vt-1", "challenge": "99"}
    )
    assert answer.data == b"99" and answer.content_type == "text/plain"
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "BAD_VERIFY_TOKEN"):
        await webhook(client, "whatsapp", wa, hub={"mode": "subscribe", "verify_token": "no"})
    message = '{"entry":[{"changes":[{"value":{"messages":[{"text":{"body":"héllo"}}]}}]}]}'
    body = message.encode()
    signature = "sha256=" + hmac.new(b"app-secret", body, hashlib.sha256).hexdigest()
    await webhook(client, "whatsapp", wa, body, (("x-hub-signature-256", signature),))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await webhook(client, "whatsapp", wa, body + b" ", (("x-hub-signature-256", signature),))
    assert await refused_events(stack, wa) == ["BAD_SIGNATURE", "BAD_VERIFY_TOKEN"]
