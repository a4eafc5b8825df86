"""AuthService email sign-in, passwords, tokens and sessions, over the real server."""

from __future__ import annotations

import asyncio
import time

import grpc
import jwt
import pytest
from helpers import PASSWORD, raises, sign_up, unique_email
from nacl.pwhash import argon2id
from sqlalchemy import select

from privexbot.config import DEV_JWT_KEY
from privexbot.identity import passwords
from privexbot.store.models import AuditEvent, User
from privexbot.v1 import auth_pb2, common_pb2, tenant_pb2

ME = auth_pb2.GetCurrentUserRequest()


async def audit_events(client, organization: str, actor: str) -> list:
    """The actor's events in the organization, oldest first, read through ListAuditEvents."""
    listed = await client.tenant.ListAuditEvents(
        tenant_pb2.ListAuditEventsRequest(parent=organization, actor=actor)
    )
    return list(reversed(listed.audit_events))


async def audit_actions(client, organization: str, actor: str) -> list[str]:
    return [e.action for e in await audit_events(client, organization, actor)]


async def test_sign_up_creates_user_org_and_workspace_then_log_in(client_factory, stack):
    client = client_factory()
    user = await sign_up(client, "ada")
    assert user.session.new_user
    assert user.organization.startswith("organizations/")
    assert user.workspace.startswith(user.organization + "/workspaces/")
    me = await client.auth.GetCurrentUser(ME)
    assert me.user.email == user.email
    assert [i.kind for i in me.identities] == [auth_pb2.Identity.KIND_EMAIL]
    (membership,) = me.memberships
    assert membership.organization == user.organization
    assert membership.role == common_pb2.ORGANIZATION_ROLE_OWNER
    assert [(w.workspace, w.role) for w in membership.workspaces] == [
        (user.workspace, common_pb2.WORKSPACE_ROLE_ADMIN)
    ]
    assert (me.organization, me.workspace) == (user.organization, user.workspace)

    again = client_factory()
    session = await again.auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=user.email.upper(), password=PASSWORD)
    )
    assert not session.new_user and session.user.name == me.user.name
    assert session.workspace == user.workspace
    assert await audit_actions(client, user.organization, me.user.name) == [
        "auth.signup",
        "auth.login",
    ]


async def test_a_log_in_is_audited_with_the_callers_address_and_request(client_factory, stack):
    user = await sign_up(client_factory())
    client = client_factory()
    session = await client.auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
    )
    (address,) = [value for key, value in client.extra_metadata if key == "x-forwarded-for"]
    client.access_token = session.access_token
    (event,) = [
        e
        for e in await audit_events(client, user.organization, session.user.name)
        if e.action == "auth.login"
    ]
    # The sign-in process wrote it, inside a copy of the serving process's call.
    assert (event.client_ip, len(event.request_id) > 0) == (address, True)


@pytest.mark.parametrize(
    ("email", "password", "reason", "field"),
    [
        ("not-an-email", PASSWORD, "INVALID_ARGUMENT", "email"),  # a field rule (email)
        (None, "short pass", "WEAK_PASSWORD", "password"),
        (None, "x" * 129, "PASSWORD_TOO_LONG", "password"),
        (None, "Password123456!", "COMMON_PASSWORD", "password"),
        (None, "1qaz2wsx3edc", "COMMON_PASSWORD", "password"),
        (None, "aaaaaaaaaaaaaaaa", "COMMON_PASSWORD", "password"),
    ],
)
async def test_sign_up_rejects_bad_input(client, email, password, reason, field):
    request = auth_pb2.SignUpWithEmailRequest(email=email or unique_email(), password=password)
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, reason, {field}):
        await client.auth.SignUpWithEmail(request)


async def test_sign_up_requires_fields(client):
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"email", "password"}):
        await client.auth.SignUpWithEmail(auth_pb2.SignUpWithEmailRequest())


async def test_a_long_password_is_not_truncated(client_factory):
    long = "a sentence that keeps going " * 4 + "and ends here!"  # 126 characters
    client = client_factory()
    user = await sign_up(client, password=long)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await client_factory().auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=user.email, password=long[:72])
        )


async def test_sign_up_twice_is_already_exists(client_factory):
    user = await sign_up(client_factory())
    async with raises(grpc.StatusCode.ALREADY_EXISTS, "EMAIL_TAKEN"):
        await client_factory().auth.SignUpWithEmail(
            auth_pb2.SignUpWithEmailRequest(email=user.email, password=PASSWORD)
        )


def _seconds(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


async def test_wrong_password_and_unknown_email_look_the_same(client_factory, stack):
    user = await sign_up(client_factory())
    client = client_factory()
    timings = {}
    for email in (user.email, unique_email("nobody")):
        started = time.perf_counter()
        async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS") as info:
            await client.auth.LogInWithEmail(
                auth_pb2.LogInWithEmailRequest(email=email, password="wrong password 123")
            )
        timings[email] = time.perf_counter() - started
        assert info.details.message == "email or password is wrong"
    # Both paths run a full argon2id check: neither answers in much less than one hash takes
    # (a skipped hash answers in about a millisecond; half a hash leaves room for noise).
    one_hash = min(_seconds(passwords._hash, PASSWORD) for _ in range(3))
    assert min(timings.values()) > 0.5 * one_hash, (timings, one_hash)
    async with stack.running.platform.sessions() as session:
        failed = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "auth.login.failed").limit(1)
        )
    assert failed is not None and "wrong" not in str(failed.details)


async def test_password_hash_is_upgraded_on_login_when_parameters_change(client_factory, stack):
    user = await sign_up(client_factory())
    weak = argon2id.str(PASSWORD.encode(), opslimit=1, memlimit=8 * 1024 * 1024).decode()
    async with stack.running.platform.sessions() as session, session.begin():
        row = await session.scalar(select(User).where(User.email == user.email))
        row.password_hash = weak
    await client_factory().auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
    )
    async with stack.running.platform.sessions() as session:
        upgraded = await session.scalar(select(User.password_hash).where(User.email == user.email))
    assert upgraded != weak and "m=19456,t=2,p=1" in upgraded


async def test_change_password_revokes_every_other_session(client_factory):
    phone, laptop = client_factory(), client_factory()
    user = await sign_up(phone)
    laptop_session = await laptop.auth.LogInWithEmail(
        auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
    )
    laptop.access_token = laptop_session.access_token
    new_password = "a brand new passphrase 7"
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await phone.auth.ChangePassword(
            auth_pb2.ChangePasswordRequest(
                current_password="nope nope nope", new_password=new_password
            )
        )
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "WEAK_PASSWORD", {"new_password"}):
        await phone.auth.ChangePassword(
            auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password="short")
        )
    fresh = await phone.auth.ChangePassword(
        auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=new_password)
    )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await laptop.auth.GetCurrentUser(ME)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await laptop.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=laptop_session.refresh_token)
        )
    phone.access_token = fresh.access_token
    assert (await phone.auth.GetCurrentUser(ME)).user.email == user.email
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "INVALID_CREDENTIALS"):
        await client_factory().auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        )


async def test_change_password_needs_a_user_not_anonymous(client):
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "CREDENTIALS_MISSING"):
        await client.auth.ChangePassword(
            auth_pb2.ChangePasswordRequest(current_password="a" * 12, new_password="b" * 12)
        )


async def test_refresh_rotates_and_reuse_revokes_the_family(client_factory, stack):
    client = client_factory()
    user = await sign_up(client)
    first = user.session.refresh_token
    second = await client.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=first))
    assert second.refresh_token != first and second.access_token
    assert second.workspace == user.workspace
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_REUSED"):
        await client.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=first))
    # The thief's replay revoked the family: the legitimate newer tokens stop working too.
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await client.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=second.refresh_token)
        )
    client.access_token = second.access_token
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await client.auth.GetCurrentUser(ME)
    fresh = client_factory()
    fresh.access_token = (
        await fresh.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        )
    ).access_token
    actions = await audit_actions(fresh, user.organization, user.session.user.name)
    assert "auth.refresh.reuse" in actions


async def test_fifty_parallel_refreshes_of_one_token_yield_exactly_one_success(client_factory):
    client = client_factory()
    user = await sign_up(client)
    request = auth_pb2.RefreshTokenRequest(refresh_token=user.session.refresh_token)
    results = await asyncio.gather(
        *(client.auth.RefreshToken(request) for _ in range(50)), return_exceptions=True
    )
    successes = [r for r in results if isinstance(r, auth_pb2.AuthSession)]
    failures = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(successes) == 1, [f.details() for f in failures[:3]]
    assert len(failures) == 49
    assert {f.code() for f in failures} == {grpc.StatusCode.UNAUTHENTICATED}


async def test_tokens_cannot_pass_for_each_other(client_factory):
    client = client_factory()
    user = await sign_up(client)
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID"):
        await client.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=user.session.access_token[:256])
        )
    client.access_token = user.session.refresh_token
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "TOKEN_INVALID"):
        await client.auth.GetCurrentUser(ME)


def forged(claims: dict, key: str = DEV_JWT_KEY, **headers) -> str:
    headers = {"kid": "dev", "typ": "at+jwt", **headers}
    return jwt.encode(claims, key, algorithm="HS256", headers=headers)


async def test_access_token_checks(client_factory, stack):
    client = client_factory()
    user = await sign_up(client)
    good = jwt.decode(user.session.access_token, options={"verify_signature": False})
    now = int(time.time())
    cases = {
        "TOKEN_EXPIRED": forged({**good, "iat": now - 2000, "exp": now - 1000}),
        "TOKEN_INVALID": forged({**good, "aud": "someone-else"}),
    }
    cases_invalid = [
        forged({**good, "iss": "https://evil.example"}),
        forged(good, key="another key that is long enough......"),
        forged(good, typ="JWT"),
        forged(good, kid="unknown"),
        jwt.encode(good, None, algorithm="none"),
        forged({k: v for k, v in good.items() if k != "sid"}),
    ]
    for reason, token in [*cases.items(), *(("TOKEN_INVALID", t) for t in cases_invalid)]:
        probe = client_factory(access_token=token)
        async with raises(grpc.StatusCode.UNAUTHENTICATED, reason):
            await probe.auth.GetCurrentUser(ME)
    assert stack.settings.access_token_ttl_seconds <= 900
    assert good["exp"] - good["iat"] <= 900
    header = jwt.get_unverified_header(user.session.access_token)
    assert header["typ"] == "at+jwt" and header["alg"] == "HS256" and header["kid"] == "dev"


async def test_log_out_revokes_access_and_refresh(client_factory):
    client = client_factory()
    user = await sign_up(client)
    await client.auth.LogOut(auth_pb2.LogOutRequest(refresh_token=user.session.refresh_token))
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
        await client.auth.GetCurrentUser(ME)
    async with raises(grpc.StatusCode.UNAUTHENTICATED):
        await client.auth.RefreshToken(
            auth_pb2.RefreshTokenRequest(refresh_token=user.session.refresh_token)
        )
    async with raises(grpc.StatusCode.UNAUTHENTICATED, "REFRESH_TOKEN_INVALID"):
        await client.auth.LogOut(auth_pb2.LogOutRequest(refresh_token="not-a-token"))
    async with raises(grpc.StatusCode.INVALID_ARGUMENT, "INVALID_ARGUMENT", {"refresh_token"}):
        await client.auth.LogOut(auth_pb2.LogOutRequest())


async def test_failed_logins_per_account_are_limited_across_addresses(client_factory):
    user = await sign_up(client_factory())
    request = auth_pb2.LogInWithEmailRequest(email=user.email, password="wrong password 123")

    async def attempt():
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await client_factory().auth.LogInWithEmail(request)
        return info.value.code()

    codes = []
    for _ in range(10):  # 100 failures from 100 addresses, 10 at a time
        codes += await asyncio.gather(*(attempt() for _ in range(10)))
    assert codes == [grpc.StatusCode.UNAUTHENTICATED] * 100
    async with raises(grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED") as info:
        await client_factory().auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        )
    assert info.details.retry_delay_seconds and info.details.retry_delay_seconds > 0
