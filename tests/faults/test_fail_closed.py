"""When the ephemeral store (Redis) goes down, security checks fail closed.

Runs its own redis-server (a real one, on a free port) so it can be killed mid-test.
"""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from helpers import PASSWORD, free_port, raises, sign_up
from signers import evm_signer
from stacks import start_stack, stop_stack

from privexbot.client import Client
from privexbot.v1 import auth_pb2, common_pb2


async def redis_on(port: int):
    """A fresh redis-server (no persistence) on ``port``, answering."""
    import redis.asyncio as redis

    process = await asyncio.create_subprocess_exec(
        *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
        *("--save", "", "--appendonly", "no"),
        stdout=asyncio.subprocess.DEVNULL,
    )
    client = redis.Redis.from_url(f"redis://127.0.0.1:{port}/0")
    async with asyncio.timeout(10):
        while True:
            try:
                await client.ping()
                break
            except redis.ConnectionError:
                await asyncio.sleep(0.05)
    await client.aclose()
    return process


async def stopped(process) -> None:
    if process.returncode is None:
        process.kill()
        await process.wait()


@pytest.fixture
async def doomed_redis():
    port = free_port()
    process = await redis_on(port)
    yield process, f"redis://127.0.0.1:{port}/0"
    await stopped(process)


async def test_store_outage_fails_closed_and_turns_health_not_serving(doomed_redis, tmp_path):
    process, url = doomed_redis
    stack = await start_stack("sqlite", tmp_path, redis_url=url, health_interval_seconds=0.1)
    try:
        from privexbot.client import Client

        client = Client(stack.target)
        user = await sign_up(client)
        challenge = auth_pb2.CreateWalletChallengeRequest(
            chain=common_pb2.WALLET_CHAIN_EVM, address=evm_signer().address
        )
        await client.auth.CreateWalletChallenge(challenge)
        await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())

        process.kill()
        await process.wait()
        async with raises(grpc.StatusCode.UNAVAILABLE, "EPHEMERAL_STORE_UNAVAILABLE"):
            await client.auth.CreateWalletChallenge(challenge)
        # A valid access token is not trusted while revocations cannot be checked.
        async with raises(grpc.StatusCode.UNAVAILABLE, "EPHEMERAL_STORE_UNAVAILABLE"):
            await client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
        async with raises(grpc.StatusCode.UNAVAILABLE, "EPHEMERAL_STORE_UNAVAILABLE"):
            await client.auth.LogInWithEmail(
                auth_pb2.LogInWithEmailRequest(
                    email=user.email, password="correct horse battery staple 42"
                )
            )
        async with grpc.aio.insecure_channel(stack.target) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            async with asyncio.timeout(5):
                while True:
                    reply = await health.Check(
                        health_pb2.HealthCheckRequest(service="privexbot.v1.AuthService")
                    )
                    if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                        break
                    await asyncio.sleep(0.05)
        await client.close()
    finally:
        await stop_stack(stack)


async def test_a_restarted_store_is_used_again_and_revocations_hold(doomed_redis, tmp_path):
    """Redis killed, then started again empty on the same port: calls fail closed while it is
    down, the same server process serves again once it is back, and a token logged out
    before the outage stays refused (revocations are SQL's; the new store is refilled)."""
    process, url = doomed_redis
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    stack = await start_stack("postgres", tmp_path, redis_url=url, health_interval_seconds=0.1)
    restarted = None
    try:
        kept, gone = Client(stack.target), Client(stack.target)
        user = await sign_up(kept, "restart")
        signed_in = await gone.auth.LogInWithEmail(
            auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        )
        gone.access_token = signed_in.access_token
        await gone.auth.LogOut(auth_pb2.LogOutRequest(refresh_token=signed_in.refresh_token))
        me = auth_pb2.GetCurrentUserRequest()

        await stopped(process)
        async with raises(grpc.StatusCode.UNAVAILABLE, "EPHEMERAL_STORE_UNAVAILABLE"):
            await kept.auth.GetCurrentUser(me)
        restarted = await redis_on(port)
        async with asyncio.timeout(30):  # the same process, its pool reconnecting
            while True:
                try:
                    await kept.auth.GetCurrentUser(me)
                    break
                except grpc.aio.AioRpcError as error:
                    assert error.code() == grpc.StatusCode.UNAVAILABLE, error
                    await asyncio.sleep(0.1)
        async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
            await gone.auth.GetCurrentUser(me)
        for client in (kept, gone):
            await client.close()
    finally:
        await stop_stack(stack)
        if restarted is not None:
            await stopped(restarted)


async def test_busy_redis_pool_waits_instead_of_failing(tmp_path):
    """More callers than Redis connections: each waits for a free one (none answers
    UNAVAILABLE), as 100 callers did against the old non-blocking pool of 100."""
    stack = await start_stack("postgres", tmp_path, redis_max_connections=2)
    try:
        client = Client(stack.target)
        await sign_up(client, "crowd")
        replies = await asyncio.gather(
            *(client.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest()) for _ in range(60))
        )
        assert len({reply.user.name for reply in replies}) == 1
        await client.close()
    finally:
        await stop_stack(stack)


async def test_revocations_survive_a_flushed_store(doomed_redis, tmp_path):
    """A signed-out session's access token, and the other sessions' tokens after a password
    change, stay refused when Redis loses everything: the list is refilled from SQL."""
    import redis.asyncio as redis

    _, url = doomed_redis
    stack = await start_stack("postgres", tmp_path, redis_url=url)
    try:
        first, second = Client(stack.target), Client(stack.target)
        user = await sign_up(first, "revoked")
        log_in = auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        second.access_token = (await second.auth.LogInWithEmail(log_in)).access_token
        third = Client(stack.target)
        signed_in = await third.auth.LogInWithEmail(log_in)
        third.access_token = signed_in.access_token
        me = auth_pb2.GetCurrentUserRequest()

        await third.auth.LogOut(auth_pb2.LogOutRequest(refresh_token=signed_in.refresh_token))
        await first.auth.ChangePassword(
            auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=PASSWORD + "!")
        )
        for client in (second, third):
            async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
                await client.auth.GetCurrentUser(me)

        flushed = redis.Redis.from_url(url)
        await flushed.flushall()
        await flushed.aclose()
        for client in (second, third):
            async with raises(grpc.StatusCode.UNAUTHENTICATED, "SESSION_REVOKED"):
                await client.auth.GetCurrentUser(me)
        for client in (first, second, third):
            await client.close()
    finally:
        await stop_stack(stack)
