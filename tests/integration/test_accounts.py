"""A user's whole account: deleted after re-authentication (never leaving an organization
without an owner), with every session revoked and personal data gone; exported as one
JSON archive streamed in pieces."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import grpc
from helpers import PASSWORD, join, raises, sign_up
from sqlalchemy import func, select, update

from privexbot.identity.accounts import EXPORT_PIECE_BYTES
from privexbot.store.models import AuditEvent, Identity, Organization, Session, User
from privexbot.v1 import auth_pb2, common_pb2, tenant_pb2

MEMBER, OWNER = common_pb2.ORGANIZATION_ROLE_MEMBER, common_pb2.ORGANIZATION_ROLE_OWNER
VIEWER = common_pb2.WORKSPACE_ROLE_VIEWER
ME = auth_pb2.GetCurrentUserRequest()


def delete_request(user, password: str = "") -> auth_pb2.DeleteAccountRequest:
    return auth_pb2.DeleteAccountRequest(name=user.session.user.name, password=password)


async def export(client, name: str) -> tuple[dict, list[bytes]]:
    pieces = [
        r.data
        async for r in client.auth.ExportAccountData(auth_pb2.ExportAccountDataRequest(name=name))
    ]
    return json.loads(b"".join(pieces)), pieces


async def test_a_deleted_account_leaves_and_can_do_nothing_more(client_factory, stack):
    alice, bob = client_factory(), client_factory()
    b = await sign_up(bob, "bob")
    a = await join(bob, alice, b.organization, MEMBER, [(b.workspace, VIEWER)])
    user_id = a.session.user.name.split("/")[1]
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await alice.auth.DeleteAccount(delete_request(a, "not the password"))

    await alice.auth.DeleteAccount(delete_request(a, PASSWORD))
    # Every session revoked: the access token on its next call, the refresh token too.
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await alice.auth.GetCurrentUser(ME)
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await alice.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=a.session.refresh_token)
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await alice.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=a.email, password=PASSWORD)
        )
    # Bob's organization lost a member, and its log says why; hers went with her.
    members = await bob.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=b.organization)
    )
    assert a.email not in {m.email for m in members.members}
    events = await bob.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=b.organization, action="auth.account.delete")
    )
    assert [(e.actor, e.resource) for e in events.audit_events] == [(a.session.user.name,) * 2]
    async with stack.running.platform.sessions() as session:
        user = await session.get(User, user_id)
        assert (user.email, user.display_name, user.password_hash) == (None, "", None)
        assert user.deleted_at is not None
        assert not await session.scalar(select(func.count()).where(Identity.user_id == user_id))
        assert await session.get(Organization, a.organization.split("/")[1]) is None
        ips = await session.execute(select(Session.client_ip).where(Session.user_id == user_id))
        assert set(ips.scalars()) == {""}
    # The email is free again: a new, unrelated account.
    again = await sign_up(client_factory(), "again")
    assert again.session.user.name != a.session.user.name


async def test_the_last_owner_of_a_shared_organization_cannot_leave_it(client_factory):
    bob, carol = client_factory(), client_factory()
    b = await sign_up(bob, "bob")
    await join(bob, carol, b.organization, MEMBER)
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "LAST_OWNER") as error:
        await bob.auth.DeleteAccount(delete_request(b, PASSWORD))
    assert error.details.metadata["organizations"] == b.organization
    await bob.auth.GetCurrentUser(ME)  # nothing happened
    members = await bob.tenant.ListOrganizationMembers(
        tenant_pb2.ListOrganizationMembersRequest(parent=b.organization)
    )
    carol_member = next(m for m in members.members if m.role == MEMBER)
    await bob.tenant.UpdateOrganizationMember(
        tenant_pb2.UpdateOrganizationMemberRequest(
            member=tenant_pb2.OrganizationMember(name=carol_member.name, role=OWNER),
            update_mask={"paths": ["role"]},
        )
    )
    await bob.auth.DeleteAccount(delete_request(b, PASSWORD))  # another owner remains
    org = await carol.tenant.GetOrganization(tenant_pb2.GetOrganizationRequest(name=b.organization))
    assert org.role == OWNER


async def test_without_the_password_only_a_fresh_sign_in_deletes(client_factory, stack):
    client = client_factory()
    user = await sign_up(client, "wallet-like")
    async with stack.running.platform.sessions() as session, session.begin():
        await session.execute(
            update(Session)
            .where(Session.user_id == user.session.user.name.split("/")[1])
            .values(created_at=datetime.now(UTC) - timedelta(minutes=6))
        )
    async with raises(grpc.StatusCode.FAILED_PRECONDITION, "REAUTHENTICATION_REQUIRED"):
        await client.auth.DeleteAccount(delete_request(user))
    fresh = await client.auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
    )
    client.access_token = fresh.access_token
    await client.auth.DeleteAccount(delete_request(user))  # signed in just now
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client.auth.GetCurrentUser(ME)


async def test_account_rpcs_refuse_bad_input_strangers_and_keys(client_factory):
    client, other, anonymous = client_factory(), client_factory(), client_factory()
    user = await sign_up(client, "careful")
    o = await sign_up(other, "other")
    for call in (
        client.auth.DeleteAccount(auth_pb2.DeleteAccountRequest(password=PASSWORD)),
        client.auth.DeleteAccount(auth_pb2.DeleteAccountRequest(name="users/Not Valid")),
        export(client, ""),
    ):
        async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
            await call
    for call in (  # another user's account is not found, whatever the password
        client.auth.DeleteAccount(delete_request(o, PASSWORD)),
        export(client, o.session.user.name),
    ):
        async with raises(grpc.StatusCode.NOT_FOUND, "RESOURCE_NOT_FOUND"):
            await call
    for call in (
        anonymous.auth.DeleteAccount(delete_request(user, PASSWORD)),
        export(anonymous, user.session.user.name),
    ):
        async with raises(grpc.StatusCode.UNAUTHENTICATED):
            await call
    key = await client.auth.CreateApiKey(
        auth_pb2.CreateApiKeyRequest(
            parent=user.workspace,
            api_key=auth_pb2.ApiKey(display_name="k", permissions=["workspace.read"]),
        )
    )
    keyed = client_factory(api_key=key.key)
    for call in (
        keyed.auth.DeleteAccount(delete_request(user, PASSWORD)),
        export(keyed, user.session.user.name),
    ):
        async with raises(grpc.StatusCode.PERMISSION_DENIED):
            await call
    await client.auth.GetCurrentUser(ME)
    await other.auth.GetCurrentUser(ME)


async def test_the_export_holds_the_account_in_pieces(client_factory, stack):
    client, bob = client_factory(), client_factory()
    b = await sign_up(bob, "bob")
    user = await join(bob, client, b.organization, MEMBER, [(b.workspace, VIEWER)])
    name = user.session.user.name
    async with stack.running.platform.sessions() as session, session.begin():
        session.add_all(  # enough of the user's own events for several pieces
            AuditEvent(
                organization_id=b.organization.split("/")[1],
                actor=name,
                action="test.event",
                resource=name,
                details={"note": "x" * 400},
            )
            for _ in range(250)
        )
    archive, pieces = await export(client, name)
    assert len(pieces) >= 2 and all(len(p) <= EXPORT_PIECE_BYTES for p in pieces)
    assert archive["user"]["email"] == user.email and archive["user"]["has_password"]
    assert [i["subject"] for i in archive["identities"]] == [user.email]
    assert {m["organization"] for m in archive["organization_memberships"]} == {
        user.organization,
        b.organization,
    }
    assert [m["workspace"] for m in archive["workspace_memberships"] if m["role"] == "viewer"] == [
        b.workspace
    ]
    assert len(archive["sessions"]) == 1 and archive["sessions"][0]["client_ip"]
    assert sum(e["action"] == "test.event" for e in archive["audit_events"]) == 250
    assert "password_hash" not in json.dumps(archive)
