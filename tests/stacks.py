"""Start and stop the real server over a backend, for fixtures and tests that need their own.

- ``sqlite``: SQLite file + in-process ephemeral store (the embedded default);
- ``postgres``: the real PostgreSQL + the real Redis (production parts).
Each stack gets a fresh database (a new PostgreSQL database, a new SQLite file) and a
flushed Redis database, migrated with the real Alembic migrations.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

POSTGRES_ADMIN = os.environ.get(
    "TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
# Each pytest-xdist worker flushes a Redis database of its own (gw0: 15, gw1: 14, ...).
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URL = os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - _WORKER}")
BACKENDS = os.environ.get("PRIVEXBOT_TEST_BACKENDS", "sqlite,postgres").split(",")


@dataclass
class Stack:
    backend: str
    settings: object
    running: object

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.running.port}"


async def fresh_postgres_database() -> str:
    import asyncpg

    name = f"privexbot_test_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(POSTGRES_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


async def flushed_redis() -> str:
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()
    return REDIS_URL


async def start_stack(backend: str, tmp: Path, route_database=None, **overrides) -> Stack:
    """``route_database``: the URL the server uses for its (freshly made and migrated)
    database, given the direct one (a test that cuts the path to PostgreSQL). A
    ``database_url`` override is used as it is (a test's own PostgreSQL server)."""
    from privexbot import config
    from privexbot.app import create_server
    from privexbot.dev.devstack import wait_serving
    from privexbot.store import migrate

    if backend == "postgres":
        database_url = overrides.pop("database_url", None) or await fresh_postgres_database()
        redis_url = await flushed_redis()
    else:
        database_url, redis_url = f"sqlite+aiosqlite:///{tmp}/privexbot.db", ""
    await asyncio.to_thread(migrate.upgrade, database_url)
    settings = config.load(
        environ={},
        **{
            "database_url": route_database(database_url) if route_database else database_url,
            "redis_url": redis_url,
            "grpc_address": "127.0.0.1:0",
            "milvus_uri": str(tmp / "milvus.db"),
            # Tests act as proxies: direct clients name distinct callers in X-Forwarded-For
            # (conftest.client_factory). The default (Envoy's address only) has its own tests.
            "trusted_proxies": "127.0.0.0/8",
            **overrides,
        },
    )
    running = await create_server(settings)
    await wait_serving(f"127.0.0.1:{running.port}")
    return Stack(backend, settings, running)


async def stop_stack(stack: Stack) -> None:
    await stack.running.stop(0)
    if stack.backend == "postgres":
        await drop_postgres_database(stack.settings.database_url)  # by name: any route works
