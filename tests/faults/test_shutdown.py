"""SIGTERM drains the whole stack: ``privexbot serve --with-envoy`` as operators run it.

REST calls in flight through Envoy when the signal arrives complete (Envoy drains first and
stays up until the server has answered them); a stream still running at the end of the
grace is ended UNAVAILABLE with SERVER_SHUTTING_DOWN and RetryInfo, not cut bare.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import grpc
import httpx
import pytest
from helpers import PASSWORD, error_details, free_port, unique_email

from privexbot.client import Client
from privexbot.v1 import inference_pb2

pytestmark = [pytest.mark.envoy, pytest.mark.enclave]

GRACE_SECONDS = 6.0
SIGN_UPS = 8
USER = inference_pb2.ChatCompletionMessage.ROLE_USER


async def serving(edge: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=edge, timeout=2) as client:
        while True:
            try:
                if (await client.get("/v1/auth/me")).status_code == 401:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the stack did not start"
            await asyncio.sleep(0.2)


async def envoy_active_requests(admin: str) -> int:
    async with httpx.AsyncClient(base_url=admin, timeout=2) as client:
        reply = await client.get("/stats", params={"filter": r"^http\.edge\.downstream_rq_active$"})
    return int(reply.text.rpartition(":")[2] or 0)


async def test_sigterm_completes_rest_calls_in_flight_and_cuts_streams_with_a_reason(
    tmp_path, enclave
):
    grpc_port, envoy_port, admin_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/drain.db",
        "MILVUS_URI": str(tmp_path / "milvus.db"),
        "GRPC_ADDRESS": f"127.0.0.1:{grpc_port}",
        "ENVOY_PORT": str(envoy_port),
        "ENVOY_ADMIN_PORT": str(admin_port),
        "INFERENCE_BASE_URL": enclave.base_url,
        "INFERENCE_API_KEY": enclave.api_key,
        "SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        "TRUSTED_PROXIES": "127.0.0.0/8",
    }
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "privexbot.cli", "serve", "--migrate", "--with-envoy"),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    edge, admin = f"http://127.0.0.1:{envoy_port}", f"http://127.0.0.1:{admin_port}"
    try:
        await serving(edge)
        async with httpx.AsyncClient(base_url=edge, timeout=30) as rest:
            first = await rest.post(
                "/v1/auth/email:signUp", json={"email": unique_email("drain"), "password": PASSWORD}
            )
            assert first.status_code == 200, first.text
            client = Client(f"127.0.0.1:{grpc_port}", access_token=first.json()["accessToken"])
            story = client.inference.StreamChatCompletion(
                inference_pb2.StreamChatCompletionRequest(
                    parent=first.json()["workspace"],
                    messages=[
                        inference_pb2.ChatCompletionMessage(
                            role=USER, content="Write a very long story about a dragon."
                        )
                    ],
                    max_tokens=1500,
                    # Greedy: at random, the model sometimes ends the story within the grace.
                    temperature=0.0,
                    seed=7,
                )
            )
            events = aiter(story)
            await anext(events)  # generating

            sign_ups = [
                asyncio.ensure_future(
                    rest.post(
                        "/v1/auth/email:signUp",
                        json={"email": unique_email("drain"), "password": PASSWORD},
                    )
                )
                for _ in range(SIGN_UPS)
            ]
            async with asyncio.timeout(10):
                while True:  # the sign-ups are in flight through Envoy
                    if await envoy_active_requests(admin):
                        break
                    await asyncio.sleep(0.005)
            signalled = time.monotonic()
            process.send_signal(signal.SIGTERM)

            replies = await asyncio.gather(*sign_ups)
            assert [r.status_code for r in replies] == [200] * SIGN_UPS, [r.text for r in replies]
            received, cut = 0, None
            try:
                async for _event in events:
                    received += 1
            except grpc.aio.AioRpcError as error:
                cut = error
            cut_after = time.monotonic() - signalled
            await client.close()
        async with asyncio.timeout(GRACE_SECONDS + 15):
            out, _ = await process.communicate()
        log = out.decode()[-3000:]  # the server's side of any failure below
        assert cut is not None, f"the stream ended OK after {received} more events\n{log}"
        details = error_details(cut)
        assert (details.code, details.reason) == (
            grpc.StatusCode.UNAVAILABLE,
            "SERVER_SHUTTING_DOWN",
        ), f"{cut}\n{log}"
        assert details.retry_delay_seconds >= 1
        assert GRACE_SECONDS - 2 < cut_after < GRACE_SECONDS + 1, cut_after
        assert process.returncode == 0, log
        assert b"cut 1 response streams" in out, log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
