"""A user's sessions: list them (address, last use, the calling one), revoke one, revoke
every other; each revoked session's tokens stop working on the next call."""

from __future__ import annotations

import grpc
from helpers import PASSWORD, raises, sign_up

from privexbot.v1 import auth_pb2, tenant_pb2

ME = auth_pb2.GetCurrentUserRequest()


async def log_in(client, email: str) -> auth_pb2.AuthSession:
    session = await client.auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=email, password=PASSWORD)
    )
    client.access_token = session.access_token
    return session


def address_of(client) -> str:
    (address,) = [value for key, value in client.extra_metadata if key == "x-forwarded-for"]
    return address


async def test_list_revoke_one_and_revoke_the_others(client_factory):
    laptop, phone, tablet = client_factory(), client_factory(), client_factory()
    user = await sign_up(laptop, "sessions")
    await log_in(phone, user.email)
    await log_in(tablet, user.email)
    parent = user.session.user.name

    listed = await phone.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    assert len(listed.sessions) == 3
    assert [s.current for s in listed.sessions] == [False, True, False]  # oldest first
    assert [s.client_ip for s in listed.sessions] == [
        address_of(c) for c in (laptop, phone, tablet)
    ]
    assert all(s.name.startswith(parent + "/sessions/") for s in listed.sessions)
    assert all(s.last_used_time.seconds and s.expire_time.seconds for s in listed.sessions)
    first = await phone.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent, page_size=2))
    rest = await phone.auth.ListSessions(
        auth_pb2.ListSessionsRequest(parent=parent, page_token=first.next_page_token)
    )
    assert [s.name for s in (*first.sessions, *rest.sessions)] == [s.name for s in listed.sessions]

    # A second sign-in is a session more; a refresh is the same session, used later.
    second = await log_in(tablet, user.email)
    refreshed = await tablet.auth.RefreshToken(
        auth_pb2.RefreshTokenRequest(refresh_token=second.refresh_token)
    )
    tablet.access_token = refreshed.access_token
    now = await phone.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    assert len(now.sessions) == 4
    assert now.sessions[3].last_used_time.ToNanoseconds() > (
        now.sessions[3].create_time.ToNanoseconds()
    )

    laptop_session = listed.sessions[0].name
    await phone.auth.RevokeSession(auth_pb2.RevokeSessionRequest(name=laptop_session))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await laptop.auth.GetCurrentUser(ME)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await laptop.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=user.session.refresh_token)
        )
    async with raises(grpc.StatusCode.NOT_FOUND):  # already over
        await phone.auth.RevokeSession(auth_pb2.RevokeSessionRequest(name=laptop_session))

    ended = await phone.auth.RevokeOtherSessions(auth_pb2.RevokeOtherSessionsRequest(parent=parent))
    assert ended.revoked_count == 2  # the tablet's two sign-ins
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await tablet.auth.GetCurrentUser(ME)
    left = await phone.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    assert [s.current for s in left.sessions] == [True]
    # Audited in the user's organization, where ListAuditEvents finds them.
    events = await phone.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=user.organization, actor=parent)
    )
    actions = [e.action for e in events.audit_events]
    assert actions[:2] == ["auth.session.revoke_others", "auth.session.revoke"]
    assert actions[-1] == "auth.signup"


async def test_sessions_of_another_user_are_not_found(client_factory):
    mine, theirs = client_factory(), client_factory()
    await sign_up(mine, "me")
    other = await sign_up(theirs, "them")
    parent = other.session.user.name
    (their_session,) = (
        await theirs.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    ).sessions
    async with raises(grpc.StatusCode.NOT_FOUND):
        await mine.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await mine.auth.RevokeSession(auth_pb2.RevokeSessionRequest(name=their_session.name))
    async with raises(grpc.StatusCode.NOT_FOUND):
        await mine.auth.RevokeOtherSessions(auth_pb2.RevokeOtherSessionsRequest(parent=parent))
    await theirs.auth.GetCurrentUser(ME)  # untouched


async def test_session_rpcs_refuse_bad_input_and_anonymous_callers(client_factory):
    client = client_factory()
    user = await sign_up(client, "bad-input")
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.auth.ListSessions(auth_pb2.ListSessionsRequest())
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.auth.ListSessions(auth_pb2.ListSessionsRequest(parent="users/Not Valid"))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"name"}):
        await client.auth.RevokeSession(auth_pb2.RevokeSessionRequest(name=user.session.user.name))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.auth.RevokeOtherSessions(auth_pb2.RevokeOtherSessionsRequest())
    anonymous = client_factory()
    parent = user.session.user.name
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await anonymous.auth.ListSessions(auth_pb2.ListSessionsRequest(parent=parent))
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await anonymous.auth.RevokeOtherSessions(auth_pb2.RevokeOtherSessionsRequest(parent=parent))


async def test_a_user_reads_their_own_account_events_and_no_one_elses(client_factory):
    client, other = client_factory(), client_factory()
    user = await sign_up(client, "my-events")
    them = await sign_up(other, "their-events")
    parent = user.session.user.name
    await client.auth.RevokeOtherSessions(auth_pb2.RevokeOtherSessionsRequest(parent=parent))
    mine = await client.tenant.ListMyAuditEvents(tenant_pb2.ListMyAuditEventsRequest(parent=parent))
    assert [e.action for e in mine.audit_events] == ["auth.session.revoke_others", "auth.signup"]
    assert {e.actor for e in mine.audit_events} == {parent}
    only = await client.tenant.ListMyAuditEvents(
        tenant_pb2.ListMyAuditEventsRequest(parent=parent, action="auth.signup", page_size=1)
    )
    assert [e.action for e in only.audit_events] == ["auth.signup"]
    async with raises(grpc.StatusCode.NOT_FOUND):
        await client.tenant.ListMyAuditEvents(
            tenant_pb2.ListMyAuditEventsRequest(parent=them.session.user.name)
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, fields={"parent"}):
        await client.tenant.ListMyAuditEvents(tenant_pb2.ListMyAuditEventsRequest())
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client_factory().tenant.ListMyAuditEvents(
            tenant_pb2.ListMyAuditEventsRequest(parent=parent)
        )
