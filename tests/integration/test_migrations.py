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


async def execute(url: str, *statements: str) -> list[list[tuple]]:
    """Each statement's rows (raw SQL: the models describe the newest schema only)."""
    engine = create_engine(url)
    results = []
    async with engine.begin() as conn:
        for statement in statements:
            result = await conn.exec_driver_sql(statement)
            results.append([tuple(row) for row in result] if result.returns_rows else [])
    await engine.dispose()
    return results


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_upgrades_and_downgrades_keep_conversations_and_leads(backend, tmp_path):
    """Rows written before 0014 survive every later migration and the way back: SQLite
    rebuilds a table to alter it, which must not cascade to the rows referring to it."""
    url = await fresh_postgres_database() if backend == "postgres" else f"sqlite:///{tmp_path}/d.db"
    now = "2026-12-01 10:00:00+00"
    try:
        await asyncio.to_thread(migrate.upgrade, url, "0013")
        await execute(
            url,
            f"INSERT INTO organizations (id, display_name, billing_email, plan, settings,"
            f" created_at, updated_at, version) VALUES ('o1', 'O', '', 'free', '{{}}',"
            f" '{now}', '{now}', 1)",
            f"INSERT INTO workspaces (id, organization_id, display_name, name_key, description,"
            f" is_default, created_at, updated_at, version) VALUES ('w1', 'o1', 'W', 'w', '',"
            f" true, '{now}', '{now}', 1)",
            f"INSERT INTO chatbots (id, organization_id, workspace_id, config, published_version,"
            f" publishable_key_hash, created_at, updated_at, version) VALUES ('b1', 'o1', 'w1',"
            f" '{{}}', 0, '', '{now}', '{now}', 1)",
            f"INSERT INTO chat_sessions (id, chatbot_id, organization_id, workspace_id,"
            f" visitor_id, lead, lead_email, message_count, created_at, updated_at) VALUES"
            f" ('s1', 'b1', 'o1', 'w1', 'v1', '{{\"email\": \"ada@example.com\","
            f' "display_name": "Ada", "consent": true}}\', \'ada@example.com\', 1,'
            f" '{now}', '{now}')",
            f"INSERT INTO chat_messages (id, session_id, chatbot_id, chatbot_version,"
            f" organization_id, role, content, citations, prompt_tokens, completion_tokens,"
            f" finish_reason, incomplete, feedback_rating, feedback_comment, created_at) VALUES"
            f" ('m1', 's1', 'b1', 1, 'o1', 'user',"
            f" 'hello', '[]', 0, 0, '', false, '', '', '{now}')",
        )
        await asyncio.to_thread(migrate.upgrade, url)
        messages, leads = await execute(
            url,
            "SELECT id, content FROM chat_messages",
            "SELECT id, chatbot_id, email, display_name, consent FROM leads",
        )
        assert messages == [("m1", "hello")]
        assert [(i, b, e, n, bool(c)) for i, b, e, n, c in leads] == [
            ("s1", "b1", "ada@example.com", "Ada", True)
        ]
        await asyncio.to_thread(migrate.downgrade, url, "0013")
        messages, sessions = await execute(
            url, "SELECT id FROM chat_messages", "SELECT id, lead_email FROM chat_sessions"
        )
        assert (messages, sessions) == ([("m1",)], [("s1", "ada@example.com")])
    finally:
        if backend == "postgres":
            await drop_postgres_database(url)
