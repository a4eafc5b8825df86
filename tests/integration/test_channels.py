"""Channel connections over the real stack: create, get, list, update, delete a chatbot's
connection; credentials sealed at rest and never returned; Telegram's webhook registered
on connect and removed on delete (at the local platform API server); bad input naming the
fields; another tenant's names NOT_FOUND. (Unauthenticated and forbidden callers of every RPC:
test_authz_matrix.py.)"""

from __future__ import annotations

import secrets

import grpc
from google.protobuf import field_mask_pb2
from helpers import raises, sign_up
from sqlalchemy import select
from test_bot import new_bot

from privexbot.store.channel_models import Channel, ChannelDataKey
from privexbot.v1 import bot_pb2

INVALID = grpc.StatusCode.INVALID_ARGUMENT


def new_token() -> str:
    """A bot token of its own (the local platform server outlives one test)."""
    return "123456:telegram-bot-token-" + secrets.token_hex(8)


def telegram(target: str, token: str = "") -> bot_pb2.Channel:
    return bot_pb2.Channel(
        target=target,
        platform=bot_pb2.Channel.PLATFORM_TELEGRAM,
        display_name="Support",
        credentials=bot_pb2.ChannelCredentials(bot_token=token or new_token()),
    )


async def create(client, workspace: str, channel: bot_pb2.Channel, **fields) -> bot_pb2.Channel:
    return await client.bot.CreateChannel(
        bot_pb2.CreateChannelRequest(parent=workspace, channel=channel, **fields)
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
    (registered,) = platform_apis.telegram(token)  # once, not again for the retry
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
    (moved,) = platform_apis.telegram(moved_to)  # the same secret, the new bot
    assert moved.method == "setWebhook" and moved.payload["secret_token"] == secret
    async with raises(grpc.StatusCode.ABORTED):
        await client.bot.DeleteChannel(
            bot_pb2.DeleteChannelRequest(name=channel.name, etag=channel.etag)
        )
    await client.bot.DeleteChannel(bot_pb2.DeleteChannelRequest(name=channel.name))
    assert [c.method for c in platform_apis.telegram(moved_to)][-1] == "deleteWebhook"
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
