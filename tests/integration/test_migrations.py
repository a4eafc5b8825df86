"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from stacks import drop_postgres_database, fresh_postgres_database

from privexbot.store import migrate
from privexbot.store.db import create_engine
from privexbot.store.models import Base


async def schema_drift(url: str) -> list:
    engine = create_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    return diff


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_migrations_match_the_models_and_downgrade(backend, tmp_path):
    url = await fresh_postgres_database() if backend == "postgres" else f"sqlite:///{tmp_path}/m.db"
    try:
        await asyncio.to_thread(migrate.upgrade, url)
        assert await schema_drift(url) == []
        await asyncio.to_thread(migrate.downgrade, url, "base")
        await asyncio.to_thread(migrate.upgrade, url)
        assert await schema_drift(url) == []
    finally:
        if backend == "postgres":
            await drop_postgres_database(url)
