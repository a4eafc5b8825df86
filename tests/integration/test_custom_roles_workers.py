"""A custom role's edit counts on the very next call in every worker: ``privexbot serve
--workers 2`` (one port, SO_REUSEPORT) over PostgreSQL, Redis and a Milvus server (milvus-lite
serving over TCP), the member's calls spread over connections that both workers hold."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import grpc
import pytest
from helpers import children, free_port, join, raises, sign_up
from stacks import drop_postgres_database, flushed_redis, fresh_postgres_database
from test_cli import CLI, run
from test_custom_roles import create_role, give, search_request, set_permissions, upload_request

from privexbot.client import Client
from privexbot.dev.devstack import wait_serving
from privexbot.v1 import common_pb2, knowledge_pb2, knowledge_pb2_grpc

MEMBER, VIEWER = common_pb2.ORGANIZATION_ROLE_MEMBER, common_pb2.WORKSPACE_ROLE_VIEWER
CUSTOM = common_pb2.WORKSPACE_ROLE_CUSTOM


ESTABLISHED, LISTENING = "01", "0A"  # /proc/net/tcp states


def _established(pids: list[int], port: int, state: str = ESTABLISHED) -> dict[int, int]:
    """How many TCP sockets on ``port`` in ``state`` each process holds (read from both
    socket tables: grpc may hold 127.0.0.1 as a v4-mapped IPv6 socket)."""
    inodes = {}
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes[target[8:-1]] = pid
    held = dict.fromkeys(pids, 0)
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            if local_port == port and fields[3] == state and fields[9] in inodes:
                held[inodes[fields[9]]] += 1
    return held


@pytest.fixture
async def milvus_server(tmp_path):
    """milvus-lite as a Milvus server on a TCP port, which several workers can share."""
    from privexbot.knowledge.milvus import import_milvus_lite

    import_milvus_lite()
    from milvus_lite.server import Server

    port = free_port()
    server = Server(str(tmp_path / "shared.db"), f"127.0.0.1:{port}")
    assert server.init() and server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
async def two_workers(tmp_path, enclave, milvus_server):
    database = await fresh_postgres_database()
    port = free_port()
    env = {
        "DATABASE_URL": database,
        "REDIS_URL": await flushed_redis(),
        "MILVUS_URI": milvus_server,
        "GRPC_ADDRESS": f"127.0.0.1:{port}",
        "INFERENCE_BASE_URL": enclave.base_url,
        "INFERENCE_API_KEY": enclave.api_key,
    }
    process = None
    try:
        code, out = await run("migrate", env=env)
        assert code == 0, out
        process = await asyncio.create_subprocess_exec(
            *CLI,
            "serve",
            "--workers",
            "2",
            env={**os.environ, **env},
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        workers = []
        async with asyncio.timeout(60):  # both spawned, and each listening on the port
            while len(workers) < 2 or not all(_established(workers, port, LISTENING).values()):
                await asyncio.sleep(0.2)
                workers = children(process.pid)
        yield f"127.0.0.1:{port}", port, workers
    finally:
        if process is not None and process.returncode is None:
            process.terminate()
            async with asyncio.timeout(30):
                await process.wait()
        await drop_postgres_database(database)


async def _as_owner(target: str, token: str, work):
    """``work(client)`` on a connection of its own, closed after it."""
    async with Client(target, access_token=token) as owner:
        return await work(owner)


@pytest.mark.postgres
async def test_a_role_edit_counts_on_the_next_call_in_both_workers(two_workers):
    target, port, workers = two_workers
    await wait_serving(target, "privexbot.v1.KnowledgeService", within=30)
    async with Client(target) as owner, Client(target) as bob_signing_up:
        o = await sign_up(owner)
        b = await join(owner, bob_signing_up, o.organization, MEMBER, [(o.workspace, VIEWER)])
        kb = await owner.knowledge.CreateKnowledgeBase(
            knowledge_pb2.CreateKnowledgeBaseRequest(
                parent=o.workspace,
                knowledge_base=knowledge_pb2.KnowledgeBase(display_name="KB"),
            )
        )
        role = await create_role(owner, o.organization, "knowledge.read")
        await give(owner, o.workspace, b.email, CUSTOM, role.name)
        bob_token = bob_signing_up.access_token
    metadata = (("authorization", f"Bearer {bob_token}"),)

    # Bob's connections, each its own (no shared subchannel), until both workers hold some;
    # on each: search (knowledge.read) works, upload (knowledge.update) is refused.
    channels, stubs = [], []
    try:
        for _ in range(24):
            channel = grpc.aio.insecure_channel(
                target, options=[("grpc.use_local_subchannel_pool", 1)]
            )
            channels.append(channel)
            stub = knowledge_pb2_grpc.KnowledgeServiceStub(channel)
            stubs.append(stub)
            await stub.SearchKnowledgeBase(search_request(kb.name), metadata=metadata)
            async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
                await stub.UploadDocument(upload_request(kb.name, b"# Denied"), metadata=metadata)
            if all(_established(workers, port).values()):
                break
        held = _established(workers, port)
        assert all(held.values()), held  # both workers serve bob, each with his role cached
        print(f"bob's {len(stubs)} connections per worker: {held}")

        await _as_owner(
            target,
            owner.access_token,
            lambda c: set_permissions(c, role, "knowledge.read", "knowledge.update"),
        )
        for n, stub in enumerate(stubs):  # the very next call, on every connection
            doc = await stub.UploadDocument(
                upload_request(kb.name, f"# Note {n}\n\nRefund policy: 30 days.".encode()),
                metadata=metadata,
            )
            assert doc.name.startswith(kb.name + "/documents/")

        await _as_owner(
            target, owner.access_token, lambda c: set_permissions(c, role, "knowledge.read")
        )
        for stub in stubs:
            async with raises(grpc.StatusCode.PERMISSION_DENIED, "PERMISSION_DENIED"):
                await stub.UploadDocument(upload_request(kb.name, b"# Again"), metadata=metadata)
            await stub.SearchKnowledgeBase(search_request(kb.name), metadata=metadata)
    finally:
        for channel in channels:
            await channel.close()
