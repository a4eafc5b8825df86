"""PostgreSQL restarted under a load of acknowledged writes: nothing lost, nothing doubled.

The server runs on a PostgreSQL cluster of the test's own, which is restarted (fast mode:
open connections are terminated) while clients create knowledge bases with request ids.
Every failed call is UNAVAILABLE, never INTERNAL; every acknowledged create is there after;
retrying a failed create with its request id makes no duplicate; the same server process
(its sign-in worker included) serves again within seconds.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import grpc
import pytest
from helpers import PASSWORD, sign_up
from postgres_cluster import private_postgres
from stacks import start_stack

from privexbot.client import Client
from privexbot.v1 import auth_pb2, knowledge_pb2

pytestmark = pytest.mark.postgres

WRITERS = 4
RECOVERY_LIMIT_SECONDS = 30


@pytest.fixture
async def cluster():
    async with private_postgres() as server:
        yield server


async def test_a_restart_under_load_loses_and_doubles_nothing(cluster, tmp_path):
    stack = await start_stack(
        "postgres", tmp_path, database_url=cluster.url, health_interval_seconds=0.2
    )
    client = Client(stack.target)
    try:
        user = await sign_up(client)
        # Room for the load: the free plan allows one knowledge base.
        database = await asyncpg.connect(cluster.url.replace("+asyncpg", ""))
        await database.execute("UPDATE organizations SET plan = 'enterprise'")
        await database.close()
        acknowledged: dict[str, str] = {}  # request id -> knowledge base name
        failures: list[grpc.StatusCode] = []
        restarted = asyncio.Event()
        last_failure, recovered_at = [0.0], [0.0]

        async def create(request_id: str) -> None:
            """Until acknowledged, retrying with the same request id."""
            request = knowledge_pb2.CreateKnowledgeBaseRequest(
                parent=user.workspace,
                knowledge_base=knowledge_pb2.KnowledgeBase(display_name=request_id),
                request_id=request_id,
            )
            while True:
                try:
                    made = await client.knowledge.CreateKnowledgeBase(request, timeout=10)
                except grpc.aio.AioRpcError as exc:
                    failures.append(exc.code())
                    last_failure[0] = time.monotonic()
                    await asyncio.sleep(0.1)
                    continue
                acknowledged[request_id] = made.name
                if last_failure[0] and not recovered_at[0]:
                    recovered_at[0] = time.monotonic()
                return

        async def writer(index: int) -> None:
            count = 0
            while not restarted.is_set() or count < 20:
                await create(f"w{index}-{count}")
                count += 1

        writers = [asyncio.ensure_future(writer(index)) for index in range(WRITERS)]
        await asyncio.sleep(1.0)  # under load
        restart_began = time.monotonic()
        await cluster.restart()
        restarted.set()
        await asyncio.gather(*writers)

        assert failures, "the restart hit no call: the test proved nothing"
        assert set(failures) == {grpc.StatusCode.UNAVAILABLE}, failures
        assert recovered_at[0] - restart_began <= RECOVERY_LIMIT_SECONDS

        # The sign-in worker's own pool recovered too (it once kept dead connections).
        log_in = auth_pb2.LogInWithEmailRequest(email=user.email, password=PASSWORD)
        await client.auth.LogInWithEmail(log_in, timeout=10)

        stored: dict[str, list[str]] = {}
        request = knowledge_pb2.ListKnowledgeBasesRequest(parent=user.workspace, page_size=100)
        while True:
            page = await client.knowledge.ListKnowledgeBases(request)
            for base in page.knowledge_bases:
                stored.setdefault(base.display_name, []).append(base.name)
            if not page.next_page_token:
                break
            request.page_token = page.next_page_token
        assert {rid: [name] for rid, name in acknowledged.items()} == stored
    finally:
        await client.close()
        await stack.running.stop(0)
