"""Chatbot versions: listed newest first; a rollback publishes a copy of an older version
as the newest, which chat uses from the next message."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2
from helpers import raises, sign_up
from test_bot import OFF_TOPIC, STRICT, chat, get_session, new_bot

from privexbot.v1 import auth_pb2, bot_pb2


async def two_versions(client, workspace: str) -> bot_pb2.Chatbot:
    bot = await new_bot(client, workspace, system_prompt="Version one.", grounding_mode=STRICT)
    edited = await client.bot.UpdateChatbot(
        bot_pb2.UpdateChatbotRequest(
            chatbot=bot_pb2.Chatbot(
                name=bot.name, etag=bot.etag, config=bot_pb2.ChatbotConfig(system_prompt="Two.")
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["config.system_prompt"]),
        )
    )
    return await client.bot.PublishChatbot(
        bot_pb2.PublishChatbotRequest(name=bot.name, etag=edited.etag)
    )


async def chat_version(client, bot: str) -> int:
    events = await chat(client, bot, OFF_TOPIC)
    return (
        (await get_session(client, events[0].session_started.session)).messages[1].chatbot_version
    )


async def test_versions_are_listed_and_a_rollback_publishes_an_old_one_anew(client):
    me = await sign_up(client, "versions")
    bot = await two_versions(client, me.workspace)
    listed = await client.bot.ListChatbotVersions(
        bot_pb2.ListChatbotVersionsRequest(parent=bot.name)
    )
    assert [v.number for v in listed.chatbot_versions] == [2, 1]
    assert [v.config.system_prompt for v in listed.chatbot_versions] == ["Two.", "Version one."]
    assert listed.chatbot_versions[1].name == bot.name + "/versions/1"
    assert listed.chatbot_versions[0].publisher == me.session.user.name
    first = await client.bot.ListChatbotVersions(
        bot_pb2.ListChatbotVersionsRequest(parent=bot.name, page_size=1)
    )
    rest = await client.bot.ListChatbotVersions(
        bot_pb2.ListChatbotVersionsRequest(parent=bot.name, page_token=first.next_page_token)
    )
    assert [v.number for v in (*first.chatbot_versions, *rest.chatbot_versions)] == [2, 1]
    assert await chat_version(client, bot.name) == 2

    rolled = await client.bot.RollbackChatbot(
        bot_pb2.RollbackChatbotRequest(name=bot.name, version=1, etag=bot.etag)
    )
    assert rolled.published_version == 3
    assert rolled.published_config.system_prompt == "Version one."
    assert rolled.config.system_prompt == "Version one."
    assert await chat_version(client, bot.name) == 3
    after = await client.bot.ListChatbotVersions(
        bot_pb2.ListChatbotVersionsRequest(parent=bot.name)
    )
    assert [v.number for v in after.chatbot_versions] == [3, 2, 1]
    async with raises(grpc.StatusCode.ABORTED, "ETAG_MISMATCH"):  # the etag before it
        await client.bot.RollbackChatbot(
            bot_pb2.RollbackChatbotRequest(name=bot.name, version=2, etag=bot.etag)
        )


async def test_rollback_refuses_bad_input_strangers_and_other_tenants(client, client_factory):
    me = await sign_up(client, "rollback-owner")
    bot = await two_versions(client, me.workspace)
    rollback = bot_pb2.RollbackChatbotRequest
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"version"}):
        await client.bot.RollbackChatbot(rollback(name=bot.name))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.bot.ListChatbotVersions(bot_pb2.ListChatbotVersionsRequest())
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.bot.RollbackChatbot(rollback(name=bot.name, version=9))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().bot.RollbackChatbot(rollback(name=bot.name, version=1))
    key = await client.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=me.workspace,
            api_key=auth_pb2.ApiKey(display_name="reader", permissions=["chatbot.read"]),
        )
    )
    reader = client_factory(api_key=key.key)
    listed = await reader.bot.ListChatbotVersions(
        bot_pb2.ListChatbotVersionsRequest(parent=bot.name)
    )
    assert len(listed.chatbot_versions) == 2
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await reader.bot.RollbackChatbot(rollback(name=bot.name, version=1))
    other = client_factory()
    await sign_up(other, "rollback-other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.RollbackChatbot(rollback(name=bot.name, version=1))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.bot.ListChatbotVersions(bot_pb2.ListChatbotVersionsRequest(parent=bot.name))
