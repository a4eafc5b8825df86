"""Small asyncio helpers for work that runs beside a call, and the claim of a durable job
(a row whose state says what is left to do)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable

from sqlalchemy import select, update

log = logging.getLogger("privexbot.tasks")
_beside: set[asyncio.Task] = set()  # strong references: the loop keeps only weak ones


async def settled(awaitable: Awaitable):
    """``await`` that a cancellation of the caller cannot interrupt: the work finishes."""
    task = asyncio.ensure_future(awaitable)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task])
        raise


def discard(task: asyncio.Future) -> None:
    """Cancel work started ahead in case it was needed; when it already failed, take its
    exception (asyncio would otherwise log it as never retrieved)."""
    task.cancel()
    if task.done() and not task.cancelled():
        task.exception()


def beside(awaitable: Awaitable, what: str) -> None:
    """Run work after the call answers (the answer neither waits for it nor tells how it
    went, e.g. mail); a failure is logged as ``what`` and its exception type only."""

    async def run() -> None:
        try:
            await awaitable
        except Exception as exc:  # noqa: BLE001 - beside a call: log, never raise
            log.warning("%s failed: %s", what, type(exc).__name__)

    task = asyncio.get_running_loop().create_task(run())
    _beside.add(task)
    task.add_done_callback(_beside.discard)


async def beside_finished(within: float) -> None:
    """Until the work beside calls has finished, for at most ``within`` seconds (a stopping
    server lets its mail out before it closes the database)."""
    if _beside:
        await asyncio.wait(set(_beside), timeout=within)


async def claim(sessions, model, claimable: tuple, values: dict) -> str | None:
    """The id of one row of ``model`` matching ``claimable`` (oldest first), now set to
    ``values`` (its state, its lease), or None. A compare-and-set: of two workers racing
    for a row exactly one takes it."""
    while True:
        async with sessions() as session, session.begin():
            row_id = await session.scalar(
                select(model.id).where(*claimable).order_by(model.created_at).limit(1)
            )
            if row_id is None:
                return None
            taken = await session.execute(
                update(model).where(model.id == row_id, *claimable).values(**values)
            )
        if taken.rowcount == 1:
            return row_id
