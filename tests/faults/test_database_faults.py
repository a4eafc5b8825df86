"""A database that goes away is a fault the client is told about, and one it recovers from.

The real server reaches its own PostgreSQL database through a TCP gate the test controls:
closing the gate cuts every open connection (what a restart does to a pool) and refuses new
ones (a database that is down); opening it lets them through again. Calls in between
answer UNAVAILABLE (DATABASE_UNAVAILABLE) with RetryInfo, never INTERNAL; afterwards the
same server process serves again, its sign-in worker included.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from urllib.parse import urlsplit

import grpc
import pytest
from helpers import PASSWORD, error_details, free_port, sign_up
from stacks import BACKENDS, start_stack, stop_stack

from privexbot.client import Client
from privexbot.v1 import auth_pb2, tenant_pb2

pytestmark = pytest.mark.skipif("postgres" not in BACKENDS, reason="needs PostgreSQL")


class Gate:
    """A TCP forwarder on ``port`` to ``target`` that can be closed and opened again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._server: asyncio.Server | None = None
        self._links: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

    async def close(self) -> None:
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._links):
            writer.transport.abort()
        self._links.clear()

    async def _forward(self, reader, writer) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._links |= {writer, upstream_writer}

        async def pipe(source, sink) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.transport.abort()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        self._links -= {writer, upstream_writer}


@pytest.fixture
async def gated(tmp_path):
    gate = Gate(("127.0.0.1", 5432))
    await gate.open()

    def through_gate(url: str) -> str:
        direct = urlsplit(url)
        return url.replace(direct.netloc, f"{direct.username}@127.0.0.1:{gate.port}", 1)

    stack = await start_stack("postgres", tmp_path, route_database=through_gate)
    yield stack, gate
    await stop_stack(stack)


async def test_database_down_answers_unavailable_then_recovers(gated):
    stack, gate = gated
    client = Client(stack.target)
    me = await sign_up(client, "faults")
    organization = me.session.workspace.split("/workspaces/")[0]
    list_workspaces = tenant_pb2.ListWorkspacesRequest(parent=organization)
    log_in = auth_pb2.LogInWithEmailRequest(email=me.email, password=PASSWORD)
    await client.tenant.ListWorkspaces(list_workspaces)
    await client.auth.LogInWithEmail(log_in)  # starts the sign-in worker and its pool

    await gate.close()
    for call, request in ((client.tenant.ListWorkspaces, list_workspaces),) * 3 + (
        (client.auth.LogInWithEmail, log_in),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await call(request)
        details = error_details(refused.value)
        assert (details.code, details.reason) == (
            grpc.StatusCode.UNAVAILABLE,
            "DATABASE_UNAVAILABLE",
        ), details.message
        assert details.retry_delay_seconds > 0

    await gate.open()
    started = time.monotonic()
    while True:  # the first call after the database returns may still meet a dead socket
        try:
            await client.tenant.ListWorkspaces(list_workspaces)
            break
        except grpc.aio.AioRpcError as error:
            assert error_details(error).reason == "DATABASE_UNAVAILABLE"
            assert time.monotonic() - started < 10, "not recovered within 10 s"
            await asyncio.sleep(0.2)
    # Every pooled connection, the sign-in worker's included, was replaced: no call fails.
    for _ in range(5):
        await client.tenant.ListWorkspaces(list_workspaces)
        await client.auth.LogInWithEmail(log_in)
    await client.close()
