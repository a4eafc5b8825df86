"""Small asyncio helpers for work that runs beside a call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable


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
