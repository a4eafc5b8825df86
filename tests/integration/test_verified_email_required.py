"""REQUIRE_VERIFIED_EMAIL: inviting others and creating API keys need a verified email,
on a stack of its own with the setting on (production's default)."""

from __future__ import annotations

import grpc
import pytest
from helpers import caller_address, raises, sign_up
from smtp_sink import token_of
from stacks import BACKENDS, start_stack, stop_stack

from privexbot.client import Client
from privexbot.v1 import auth_pb2, common_pb2, tenant_pb2


@pytest.fixture(scope="module", params=BACKENDS)
async def strict_stack(request, tmp_path_factory, mailbox):
    stack = await start_stack(
        request.param,
        tmp_path_factory.mktemp("verified-" + request.param),
        smtp_host="127.0.0.1",
        smtp_port=mailbox.port,
        smtp_security="none",
        require_verified_email=True,
    )
    yield stack
    await stop_stack(stack)


async def test_inviting_and_api_keys_wait_for_a_verified_email(strict_stack, mailbox):
    client = Client(strict_stack.target, extra_metadata=(("x-forwarded-for", caller_address()),))
    try:
        user = await sign_up(client, "unverified")
        key = auth_pb2.CreateApiKeyRequest(
            parent=user.workspace,
            api_key=auth_pb2.ApiKey(display_name="k", permissions=["apikey.read"]),
        )
        invite = tenant_pb2.CreateInvitationRequest(
            parent=user.organization,
            invitation=tenant_pb2.Invitation(
                email="friend@example.com", role=common_pb2.ORGANIZATION_ROLE_MEMBER
            ),
        )
        async with raises(grpc.StatusCode.FAILED_PRECONDITION, "EMAIL_NOT_VERIFIED"):
            await client.auth.CreateApiKey(key)
        async with raises(grpc.StatusCode.FAILED_PRECONDITION, "EMAIL_NOT_VERIFIED"):
            await client.tenant.CreateInvitation(invite)
        mail = await mailbox.wait(user.email, "Verify your email")
        await client.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(token=token_of(mail)))
        assert (await client.auth.CreateApiKey(key)).key
        assert (await client.tenant.CreateInvitation(invite)).token
    finally:
        await client.close()
