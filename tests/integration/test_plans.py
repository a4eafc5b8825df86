"""ChangePlan: owners only, approved by the billing hook (development approves without a
webhook); a downgrade keeps data and refuses new writes beyond the new limits."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from helpers import join, raises, sign_up

from privexbot.kernel.errors import FailedPrecondition, Unavailable
from privexbot.tenancy.billing import Billing
from privexbot.v1 import common_pb2, tenant_pb2

FREE, PRO = common_pb2.PLAN_FREE, common_pb2.PLAN_PRO


async def test_an_owner_upgrades_then_downgrades_keeping_data(client):
    me = await sign_up(client, "plans")
    change = tenant_pb2.ChangePlanRequest
    org = await client.tenant.ChangePlan(change(name=me.organization, plan=PRO))
    assert org.plan == PRO
    usage = await client.tenant.GetUsage(
        tenant_pb2.GetUsageRequest(name=f"{me.organization}/usage")
    )
    assert (usage.plan, usage.workspaces.limit) == (PRO, 10)
    create = tenant_pb2.CreateWorkspaceRequest
    await client.tenant.CreateWorkspace(
        create(parent=me.organization, workspace=tenant_pb2.Workspace(display_name="Second"))
    )
    assert (await client.tenant.ChangePlan(change(name=me.organization, plan=FREE))).plan == FREE
    listed = await client.tenant.ListWorkspaces(
        tenant_pb2.ListWorkspacesRequest(parent=me.organization)
    )
    assert len(listed.workspaces) == 2  # kept
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "PLAN_LIMIT_REACHED"):
        await client.tenant.CreateWorkspace(
            create(parent=me.organization, workspace=tenant_pb2.Workspace(display_name="Third"))
        )
    events = await client.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=me.organization, action="organization.plan")
    )
    assert [dict(e.details) for e in events.audit_events] == [
        {"from": "pro", "to": "free"},
        {"from": "free", "to": "pro"},
    ]


async def test_change_plan_refuses_bad_input_admins_and_other_tenants(client, client_factory):
    me = await sign_up(client, "plans-owner")
    change = tenant_pb2.ChangePlanRequest
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"plan"}):
        await client.tenant.ChangePlan(change(name=me.organization))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"plan"}):
        await client.tenant.ChangePlan(change(name=me.organization, plan=42))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().tenant.ChangePlan(change(name=me.organization, plan=PRO))
    admin = client_factory()
    await join(client, admin, me.organization, common_pb2.ORGANIZATION_ROLE_ADMIN)
    async with raises(grpc.StatusCode.PERMISSION_DENIED):
        await admin.tenant.ChangePlan(change(name=me.organization, plan=PRO))
    other = client_factory()
    await sign_up(other, "plans-other")
    async with raises(grpc.StatusCode.NOT_FOUND):
        await other.tenant.ChangePlan(change(name=me.organization, plan=PRO))


async def serve_http(status: int, seen: list) -> asyncio.Server:
    """A real HTTP server on port 0 answering every request with ``status``."""

    async def handle(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(
                line.split(b":")[1]
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
        )
        seen.append(await reader.readexactly(length))
        writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize("status", [204, 402])
async def test_the_billing_webhook_approves_or_declines(status):
    seen: list = []
    server = await serve_http(status, seen)
    port = server.sockets[0].getsockname()[1]
    billing = Billing(None, f"http://127.0.0.1:{port}/approve", approve_without_webhook=False)
    if status == 204:
        await billing.approve("organizations/x", "free", "pro")
    else:
        with pytest.raises(FailedPrecondition) as info:
            await billing.approve("organizations/x", "free", "pro")
        assert info.value.reason == "PLAN_CHANGE_DECLINED"
    assert seen == [b'{"organization":"organizations/x","from":"free","to":"pro"}']
    server.close()
    await server.wait_closed()
    with pytest.raises(Unavailable):  # nobody answers
        await billing.approve("organizations/x", "free", "pro")
    with pytest.raises(FailedPrecondition, match="billing"):  # production, no webhook
        await Billing(None, "", approve_without_webhook=False).approve("o", "free", "pro")
