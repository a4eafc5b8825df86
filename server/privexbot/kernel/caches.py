"""The one in-process cache shape the server uses: bounded, least recently used dropped first;
and ``SingleFlight``, so that the callers who miss an entry together load it once.

Whether an entry is still right (version stamps unchanged, a token not yet expired, the same
view) is for its caller to check; this only bounds how many entries live and for how long.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from privexbot import metrics


class Recent:
    """``name`` labels its lookups in the metrics (privexbot_cache_lookups: hit or miss; a
    hit its caller then finds stale is counted a hit here)."""

    def __init__(self, name: str, size: int, seconds: float = math.inf) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._size, self._seconds = size, seconds
        self._hits, self._misses = (metrics.CACHE_LOOKUPS.labels(name, r) for r in ("hit", "miss"))

    def get(self, key, default=None):
        """The value put under ``key`` at most ``seconds`` ago, else ``default``."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() >= entry[1]:
            self._misses.inc()
            return default
        self._hits.inc()
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key, value) -> None:
        self._entries[key] = (value, time.monotonic() + self._seconds)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)


class SingleFlight:
    """Concurrent calls for one key share one run of its work: when a hot entry expires, the
    calls that miss it before it is back would otherwise each load it (a stampede)."""

    def __init__(self) -> None:
        self._running: dict[Any, asyncio.Task] = {}

    async def run(self, key, work: Callable[[], Awaitable]) -> Any:
        """``work()``'s result (or exception), shared with the calls made with an equal key
        while it runs. It runs to its end even when the calls waiting for it are cancelled."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._running[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
        return await asyncio.shield(task)

    def _finished(self, key, task: asyncio.Task) -> None:
        del self._running[key]
        if not task.cancelled():
            task.exception()  # retrieved, though every caller may have left
