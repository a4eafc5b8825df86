"""The platform foundation over a real server: health, reflection, errors, limits, auth."""

from __future__ import annotations

import json

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from helpers import PASSWORD, raises, sign_up

from privexbot.kernel import contract
from privexbot.v1 import auth_pb2, bot_pb2, flow_pb2, tenant_pb2


async def test_health_is_serving_for_every_service(stack):
    async with grpc.aio.insecure_channel(stack.target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", *contract.service_names()):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=service))
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service
        assert len(contract.service_names()) == 6


async def test_reflection_lists_the_six_services(stack):
    async with grpc.aio.insecure_channel(stack.target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        async for reply in stub.ServerReflectionInfo(iter([request])):
            listed = {s.name for s in reply.list_services_response.service}
            break
    assert set(contract.service_names()) <= listed
    assert "grpc.health.v1.Health" in listed


async def test_unknown_method_is_unimplemented(stack):
    async with grpc.aio.insecure_channel(stack.target) as channel:
        call = channel.unary_unary("/privexbot.v1.AuthService/NoSuchMethod")
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await call(b"")
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_missing_credentials_are_unauthenticated(client):
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
        await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Bearer not.a.jwt", "TOKEN_INVALID"),
        ("Basic dXNlcjpwYXNz", "CREDENTIALS_MALFORMED"),
        ("Bearer ", "CREDENTIALS_MALFORMED"),
    ],
)
async def test_bad_credentials_are_unauthenticated(client_factory, header, reason):
    client = client_factory()
    client.extra_metadata += (("authorization", header),)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, reason):
        await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())


async def test_malformed_request_names_every_violated_field(client):
    user = await sign_up(client)
    request = tenant_pb2.CreateWorkspaceRequest(
        parent=user.organization, workspace=tenant_pb2.Workspace(description="d" * 1001)
    )
    async with raises(
        grpc.StatusCode.INVALID_ARGUMENT,
        "INVALID_ARGUMENT",
        {"workspace.display_name", "workspace.description"},
    ):
        await client.tenant.CreateWorkspace(request)


async def test_malformed_resource_name_is_invalid_argument(client):
    await sign_up(client)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"name"}):
        await client.bot.GetChatbot(bot_pb2.GetChatbotRequest(name="chatbots/../../etc"))


async def test_every_service_is_served_now(client):
    """FlowService was the last UNIMPLEMENTED one (issue 23): a missing chatflow is NOT_FOUND."""
    user = await sign_up(client)
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await client.flow.GetChatflow(
            flow_pb2.GetChatflowRequest(name=f"{user.workspace}/chatflows/f1")
        )


async def test_errors_carry_the_request_id(client_factory):
    client = client_factory()
    client.extra_metadata += (("x-request-id", "trace-me-123"),)
    async with raises(grpc.StatusCode.UNAUTHENTICATED) as info:
        await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    assert ("x-request-id", "trace-me-123") in tuple(info.value.trailing_metadata())


async def test_another_tenants_name_is_not_found_like_a_missing_one(client_factory):
    alice, mallory = client_factory(), client_factory()
    a = await sign_up(alice, "alice")
    await sign_up(mallory, "mallory")
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND") as foreign:
        await mallory.bot.GetChatbot(bot_pb2.GetChatbotRequest(name=f"{a.workspace}/chatbots/b1"))
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND") as missing:
        await mallory.bot.GetChatbot(
            bot_pb2.GetChatbotRequest(name="organizations/nope/workspaces/nope/chatbots/b1")
        )
    shape = foreign.details.message.replace(a.workspace, "X")
    assert shape == missing.details.message.replace("organizations/nope/workspaces/nope", "X")


async def test_authorization_comes_before_validation(client_factory):
    owner, stranger = client_factory(), client_factory()
    user = await sign_up(owner)
    await sign_up(stranger)
    bad = tenant_pb2.CreateWorkspaceRequest(parent=user.organization)  # workspace missing
    async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
        await stranger.tenant.CreateWorkspace(bad)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"workspace"}):
        await owner.tenant.CreateWorkspace(bad)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FIELD", {"parent"}):
        await owner.tenant.CreateWorkspace(tenant_pb2.CreateWorkspaceRequest())


async def test_one_rpc_line_per_call_with_the_caller_and_no_secrets(client_factory, rpc_lines):
    client = client_factory()
    client.extra_metadata += (("x-request-id", "line-signup"),)
    user = await sign_up(client, "logged")
    client.extra_metadata = (*client.extra_metadata[:-1], ("x-request-id", "line-me"))
    await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
    client.extra_metadata = (*client.extra_metadata[:-1], ("x-request-id", "line-denied"))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.bot.GetChatbot(
            bot_pb2.GetChatbotRequest(name="organizations/nope/workspaces/nope/chatbots/b1")
        )
    signup, me, denied = [await rpc_lines.line(f"line-{n}") for n in ("signup", "me", "denied")]
    assert signup["method"] == "/privexbot.v1.AuthService/SignUpWithEmail"
    assert (signup["code"], signup["authz"], signup["principal"]) == ("OK", "public", "")
    assert me["method"] == "/privexbot.v1.AuthService/GetCurrentUser"
    assert (me["code"], me["authz"]) == ("OK", "allowed")
    assert me["principal"] == user.session.user.name
    assert me["client_ip"] and me["client_ip"] == signup["client_ip"]  # the peer's address
    assert (denied["code"], denied["authz"]) == ("NOT_FOUND", "hidden")
    assert all(line["duration_ms"] >= 0 for line in (signup, me, denied))
    text = json.dumps(list(rpc_lines.by_request_id.values()))
    for secret in (PASSWORD, user.session.access_token, user.session.refresh_token):
        assert secret not in text
