"""API keys: shown once, hashed at rest, workspace-scoped, exactly their permissions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from helpers import raises, sign_up
from sqlalchemy import select

from privexbot.store.models import ApiKey
from privexbot.v1 import auth_pb2, bot_pb2


def key_request(
    parent: str, *permissions: str, request_id: str = "", expire: datetime | None = None
):
    api_key = auth_pb2.ApiKey(display_name="backend", permissions=permissions)
    if expire is not None:
        ts = Timestamp()
        ts.FromDatetime(expire)
        api_key.expire_time.CopyFrom(ts)
    return auth_pb2.CreateApiKeyRequest(parent=parent, api_key=api_key, request_id=request_id)


async def test_create_use_list_and_revoke(client_factory, stack):
    owner = client_factory()
    user = await sign_up(owner)
    created = await owner.auth.CreateApiKey(
        key_request(user.workspace, "apikey.read", "chatbot.read")
    )
    key = created.key
    assert key.startswith(created.api_key.key_prefix + "_")
    assert created.api_key.name.startswith(user.workspace + "/apiKeys/")
    assert list(created.api_key.permissions) == ["apikey.read", "chatbot.read"]
    async with stack.running.platform.sessions() as session:
        row = await session.scalar(
            select(ApiKey).where(ApiKey.id == created.api_key.name.rsplit("/")[-1])
        )
    assert key.rsplit("_", 1)[1] not in (row.secret_hash, row.prefix)  # only a hash is stored

    backend = client_factory(api_key=key)
    listed = await backend.auth.ListApiKeys(auth_pb2.ListApiKeysRequest(parent=user.workspace))
    assert [k.name for k in listed.api_keys] == [created.api_key.name]
    assert all(not hasattr(k, "key") for k in listed.api_keys)
    # A permitted RPC passes authorization: the missing chatbot is then NOT_FOUND.
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await backend.bot.GetChatbot(bot_pb2.GetChatbotRequest(name=f"{user.workspace}/chatbots/b"))
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED") as info:
        await backend.bot.DeleteChatbot(
            bot_pb2.DeleteChatbotRequest(name=f"{user.workspace}/chatbots/b")
        )
    assert info.details.metadata == {"permission": "chatbot.delete"}
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "USER_CREDENTIALS_REQUIRED"):
        await backend.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())

    revoked = await owner.auth.RevokeApiKey(auth_pb2.RevokeApiKeyRequest(name=created.api_key.name))
    assert revoked.HasField("revoke_time")
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "API_KEY_REVOKED"):
        await backend.auth.ListApiKeys(auth_pb2.ListApiKeysRequest(parent=user.workspace))


async def test_key_is_confined_to_its_workspace(client_factory):
    alice, bob = client_factory(), client_factory()
    a, b = await sign_up(alice), await sign_up(bob)
    key = (await alice.auth.CreateApiKey(key_request(a.workspace, "apikey.read"))).key
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await client_factory(api_key=key).auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=b.workspace)
        )


async def test_other_tenants_keys_are_not_found(client_factory):
    alice, bob = client_factory(), client_factory()
    a, b = await sign_up(alice), await sign_up(bob)
    created = await alice.auth.CreateApiKey(key_request(a.workspace, "apikey.read"))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await bob.auth.ListApiKeys(auth_pb2.ListApiKeysRequest(parent=a.workspace))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await bob.auth.RevokeApiKey(auth_pb2.RevokeApiKeyRequest(name=created.api_key.name))
    # Bob naming Alice's key under his own workspace finds nothing either.
    foreign = created.api_key.name.replace(a.workspace, b.workspace)
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await bob.auth.RevokeApiKey(auth_pb2.RevokeApiKeyRequest(name=foreign))


async def test_bad_input(client_factory):
    owner = client_factory()
    user = await sign_up(owner)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"api_key.permissions"}):
        await owner.auth.CreateApiKey(key_request(user.workspace, "root.everything"))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"api_key.expire_time"}):
        await owner.auth.CreateApiKey(
            key_request(
                user.workspace, "apikey.read", expire=datetime.now(UTC) - timedelta(hours=1)
            )
        )
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        {"api_key.display_name", "api_key.permissions"},
    ):
        await owner.auth.CreateApiKey(
            auth_pb2.CreateApiKeyRequest(parent=user.workspace, api_key={})
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"page_token"}):
        await owner.auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=user.workspace, page_token="junk")
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "API_KEY_INVALID"):
        await client_factory(api_key="pxb_nope_nope").auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=user.workspace)
        )


async def test_request_id_makes_create_idempotent(client_factory):
    owner = client_factory()
    user = await sign_up(owner)
    request = key_request(user.workspace, "apikey.read", request_id="retry-1")
    first = await owner.auth.CreateApiKey(request)
    retry = await owner.auth.CreateApiKey(request)
    assert retry.api_key.name == first.api_key.name
    assert first.key and not retry.key  # the secret is never shown twice


async def test_keys_expire(client_factory):
    owner = client_factory()
    user = await sign_up(owner)
    created = await owner.auth.CreateApiKey(
        key_request(user.workspace, "apikey.read", expire=datetime.now(UTC) + timedelta(seconds=1))
    )
    await asyncio.sleep(1.2)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "API_KEY_EXPIRED"):
        await client_factory(api_key=created.key).auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=user.workspace)
        )


async def test_list_paginates(client_factory):
    owner = client_factory()
    user = await sign_up(owner)
    names = [
        (await owner.auth.CreateApiKey(key_request(user.workspace, "apikey.read"))).api_key.name
        for _ in range(5)
    ]
    seen, token = [], ""
    while True:
        page = await owner.auth.ListApiKeys(
            auth_pb2.ListApiKeysRequest(parent=user.workspace, page_size=2, page_token=token)
        )
        assert len(page.api_keys) <= 2
        seen += [k.name for k in page.api_keys]
        token = page.next_page_token
        if not token:
            break
    assert seen == names
