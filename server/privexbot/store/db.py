"""Async database engine and sessions (asyncpg for PostgreSQL, aiosqlite for SQLite)."""

from __future__ import annotations

import asyncpg.exceptions
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from privexbot import tracing
from privexbot.kernel.errors import Unavailable

# What a client told the database is unreachable waits before retrying (RetryInfo).
RETRY_SECONDS = 1.0


def async_url(url: str) -> str:
    """Accept plain ``postgresql://`` / ``sqlite:///`` URLs and pick the async driver."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


def create_engine(url: str) -> AsyncEngine:
    """``hide_parameters``: a database error's text (logged) never carries the statement's
    parameters, which are user input. With tracing on, statements run in a span get one."""
    engine = _engine(async_url(url))
    if tracing.on:
        tracing.trace_sql(engine.sync_engine, engine.dialect.name)
    return engine


def _engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # foreign keys are off by default in SQLite
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # Pre-ping: a loopback round trip per checkout, so that after the database restarts no
    # process (sign-in workers included) hands a dead pooled connection to a call.
    return create_async_engine(
        url,
        pool_size=10,
        max_overflow=10,
        pool_recycle=1800,
        pool_pre_ping=True,
        hide_parameters=True,
    )


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


# What a database that is down, restarting or refusing connections raises; through
# SQLAlchemy's adapter the driver's error is further down the chain.
_DRIVER_FAULTS = (
    asyncpg.exceptions.PostgresConnectionError,  # closed mid-operation, connection failure
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, cannot connect now
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.InterfaceError,  # "connection is closed"
    ConnectionError,  # refused, reset
)


def unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database could not be reached (a fault to retry, not a bug).
    A timeout counts only inside a database error: alone it is the call's own deadline."""
    if isinstance(exc, _DRIVER_FAULTS):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (*_DRIVER_FAULTS, TimeoutError)):
            return True
        exc = exc.__cause__ or exc.__context__ or getattr(exc, "orig", None)
    return False


def unavailable() -> Unavailable:
    return Unavailable(
        "DATABASE_UNAVAILABLE",
        "the database is unreachable; retry shortly",
        retry_after_seconds=RETRY_SECONDS,
    )
