"""An API key's own requests-a-minute limit and address allowlist, enforced as the key is
authenticated; ListApiKeys shows them with the last use's time and address."""

from __future__ import annotations

import grpc
from helpers import raises, sign_up

from privexbot.v1 import auth_pb2


def address_of(client) -> str:
    (address,) = [value for key, value in client.extra_metadata if key == "x-forwarded-for"]
    return address


def key_request(parent: str, **fields) -> auth_pb2.CreateApiKeyRequest:
    api_key = auth_pb2.ApiKey(display_name="limited", permissions=["apikey.read"], **fields)
    return auth_pb2.CreateApiKeyRequest(parent=parent, api_key=api_key)


async def test_a_key_is_limited_to_its_requests_per_minute(client_factory):
    owner = client_factory()
    user = await sign_up(owner, "rpm")
    created = await owner.auth.CreateApiKey(key_request(user.workspace, requests_per_minute=3))
    assert created.api_key.requests_per_minute == 3
    backend = client_factory(api_key=created.key)
    listing = auth_pb2.ListApiKeysRequest(parent=user.workspace)
    for _ in range(3):
        await backend.auth.ListApiKeys(listing)
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED") as info:
        await backend.auth.ListApiKeys(listing)
    assert 0 < info.details.retry_delay_seconds <= 60
    # Other keys and users are not held back by it.
    (shown,) = (await owner.auth.ListApiKeys(listing)).api_keys
    assert shown.last_used_ip == address_of(backend) and shown.last_used_time.seconds


async def test_a_key_is_refused_outside_its_allowed_addresses(client_factory):
    owner = client_factory()
    user = await sign_up(owner, "allowlist")
    inside = client_factory()
    created = await owner.auth.CreateApiKey(
        key_request(user.workspace, allowed_cidrs=[address_of(inside), "2001:db8::1/32"])
    )
    assert list(created.api_key.allowed_cidrs) == sorted(
        [f"{address_of(inside)}/32", "2001:db8::/32"]
    )
    inside.api_key = created.key
    listing = auth_pb2.ListApiKeysRequest(parent=user.workspace)
    await inside.auth.ListApiKeys(listing)
    outside = client_factory(api_key=created.key)
    async with raises(grpc.StatusCode.PERMISSION_DENIED, "API_KEY_IP_NOT_ALLOWED") as info:
        await outside.auth.ListApiKeys(listing)
    assert info.details.metadata == {"client_ip": address_of(outside)}


async def test_key_limits_refuse_bad_input(client_factory):
    owner = client_factory()
    user = await sign_up(owner, "limits-input")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"api_key.allowed_cidrs[1]"}):
        await owner.auth.CreateApiKey(
            key_request(user.workspace, allowed_cidrs=["10.0.0.0/8", "not-a-network"])
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"api_key.requests_per_minute"}):
        await owner.auth.CreateApiKey(key_request(user.workspace, requests_per_minute=-1))
