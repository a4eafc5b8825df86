"""What the edge tells the server about a caller, and what it refuses itself: client
addresses behind Envoy (with the server's default TRUSTED_PROXIES), and bodies over the
limit on every kind of route, answered as a JSON status (or a gRPC-Web status)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import socket
import threading

import grpc
import httpx
import pytest
from stacks import start_stack, stop_stack

from privexbot import config
from privexbot.dev import edge as edge_module
from privexbot.v1 import auth_pb2, common_pb2

pytestmark = pytest.mark.envoy

MIB = 1024 * 1024
JSON = "application/json"


def from_address(url: str, address: str) -> httpx.AsyncClient:
    """An HTTP client whose connections leave from ``address`` (another loopback host)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=url, transport=transport, timeout=30)


def challenge(client: httpx.AsyncClient, **headers):
    address = "0x" + secrets.token_hex(20)
    return client.post(
        "/v1/auth/wallets:challenge",
        json={"chain": "WALLET_CHAIN_EVM", "address": address},
        headers=headers,
    )


@pytest.fixture(scope="module")
async def default_edge(tmp_path_factory, envoy_binary):
    """A server with the default TRUSTED_PROXIES (the local Envoy's address only) behind a
    real Envoy."""
    stack = await start_stack(
        "sqlite",
        tmp_path_factory.mktemp("default-proxies"),
        trusted_proxies=config.Settings.trusted_proxies,
    )
    envoy = edge_module.Envoy("127.0.0.1", stack.running.port, port=0, admin_port=0, concurrency=1)
    await envoy.astart()
    yield stack, envoy
    await envoy.astop()
    await stop_stack(stack)


async def test_each_client_behind_envoy_is_its_own_address(default_edge, rpc_lines):
    _, envoy = default_edge
    async with (
        from_address(envoy.url, "127.0.0.3") as first,
        from_address(envoy.url, "127.0.0.4") as second,
    ):
        # A forged X-Forwarded-For from the client changes nothing: Envoy appends the peer.
        one = await challenge(first, **{"x-forwarded-for": "6.6.6.6", "x-request-id": "xff-a"})
        two = await challenge(second, **{"x-request-id": "xff-b"})
        assert (one.status_code, two.status_code) == (200, 200)
        assert (await rpc_lines.line("xff-a"))["client_ip"] == "127.0.0.3"
        assert (await rpc_lines.line("xff-b"))["client_ip"] == "127.0.0.4"
        # Per-address limits count each client apart: the first exhausts its own.
        statuses = [(await challenge(first)).status_code for _ in range(40)]
        assert statuses.count(429) >= 10 and 200 in statuses
        assert (await challenge(second)).status_code == 200


async def test_a_direct_grpc_caller_cannot_claim_an_address(default_edge, rpc_lines):
    stack, _ = default_edge
    async with grpc.aio.insecure_channel(stack.target) as channel:
        stub = channel.unary_unary(
            "/privexbot.v1.AuthService/CreateWalletChallenge",
            request_serializer=auth_pb2.CreateWalletChallengeRequest.SerializeToString,
            response_deserializer=auth_pb2.WalletChallenge.FromString,
        )
        await stub(
            auth_pb2.CreateWalletChallengeRequest(
                chain=common_pb2.WALLET_CHAIN_EVM, address="0x" + secrets.token_hex(20)
            ),
            metadata=(("x-forwarded-for", "6.6.6.6"), ("x-request-id", "xff-direct")),
        )
    assert (await rpc_lines.line("xff-direct"))["client_ip"] == "127.0.0.1"


def post_reading_early(
    url: str, path: str, body: bytes, content_type: str
) -> tuple[int, dict, bytes]:
    """POST over HTTP/1.1 and read the answer even while the body is still being sent (as
    curl and browsers do; Python's HTTP clients give up when a write fails, and a server
    that answers early and closes makes a large body's write fail)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: {content_type}\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        ).encode()

        def send() -> None:
            with contextlib.suppress(OSError):
                sock.sendall(head + body)

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received = b""
        with contextlib.suppress(OSError):
            while chunk := sock.recv(65536):
                received += chunk
                if b"\r\n\r\n" in received:
                    header, _, rest = received.partition(b"\r\n\r\n")
                    length = re.search(rb"content-length: (\d+)", header, re.I)
                    if length and len(rest) >= int(length[1]):
                        break
    header, _, rest = received.partition(b"\r\n\r\n")
    lines = header.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, rest


def assert_too_large_status(reply: tuple[int, dict, bytes], limit: int) -> None:
    status, _, content = reply
    assert status == 413, content
    body = json.loads(content)
    assert body["code"] == 3  # INVALID_ARGUMENT: not a quota, so not retried
    (info,) = body["details"]
    assert (info["reason"], info["domain"]) == ("REQUEST_TOO_LARGE", "privexbot.io")
    assert info["metadata"] == {"limit_bytes": str(limit)}


async def test_bodies_over_the_limit_get_a_json_413_on_every_route(default_edge):
    stack, envoy = default_edge
    limit = edge_module.request_body_limit(stack.settings.max_message_bytes)
    big = b'{"text":"' + b"a" * (limit + 1) + b'"}'
    for path in (
        "/v1/auth/email:logIn",  # a mapped unary route
        "/v1/documents:upload",  # a client-streaming route
        "/v1/no/such/route",  # unmapped
    ):
        reply = await asyncio.to_thread(post_reading_early, envoy.url, path, big, JSON)
        assert_too_large_status(reply, limit)
    # A 25 MiB document over REST: bad input, never 429 (which clients retry).
    document = b'{"content":"' + b"QUFB" * (25 * MIB // 4) + b'"}'
    path = "/v1/organizations/o/workspaces/w/knowledgeBases/k/documents"
    reply = await asyncio.to_thread(post_reading_early, envoy.url, path, document, JSON)
    assert_too_large_status(reply, limit)
    # gRPC-Web: the same refusal as a gRPC status.
    frame = b"\x00" + (limit + 1).to_bytes(4, "big") + b"a" * (limit + 1)
    path = "/privexbot.v1.AuthService/LogInWithEmail"
    status, headers, _ = await asyncio.to_thread(
        post_reading_early, envoy.url, path, frame, "application/grpc-web+proto"
    )
    assert (status, headers["grpc-status"]) == (200, "3")
    assert str(limit) in headers["grpc-message"]


async def test_a_body_within_the_limit_reaches_the_server(default_edge):
    _, envoy = default_edge
    async with httpx.AsyncClient(base_url=envoy.url, timeout=30) as client:
        reply = await client.post(
            "/v1/auth/email:logIn",
            json={"email": "nobody@example.com", "password": "p" * 12},
        )
    assert reply.status_code == 401, reply.text
