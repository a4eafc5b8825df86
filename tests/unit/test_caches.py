"""The bounded in-process cache every server-side cache uses, and its single-flight loads."""

from __future__ import annotations

import asyncio
import time

from privexbot.kernel.caches import Recent, SingleFlight


def test_the_least_recently_used_entry_goes_first():
    cache = Recent("test", 2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    cache.put("a", 4)  # replacing keeps one entry per key
    assert cache.get("a") == 4 and cache.get("c") == 3


def test_entries_live_at_most_their_seconds(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = Recent("test", 10, seconds=60)
    cache.put("a", None)
    assert cache.get("a", "missing") is None  # a stored None is a value, not a miss
    now[0] += 59.9
    assert cache.get("a", "missing") is None
    now[0] += 0.1
    assert cache.get("a", "missing") == "missing"


async def test_calls_for_one_key_share_one_run_while_it_runs():
    flight, runs, release = SingleFlight(), [], asyncio.Event()

    async def load(value):
        runs.append(value)
        await release.wait()
        return value

    waiting = [asyncio.ensure_future(flight.run("k", lambda: load(1))) for _ in range(5)]
    other = asyncio.ensure_future(flight.run("other", lambda: load(2)))
    await asyncio.sleep(0)
    release.set()
    assert await asyncio.gather(*waiting, other) == [1, 1, 1, 1, 1, 2]
    assert runs == [1, 2]
    assert await flight.run("k", lambda: load(3)) == 3  # finished: the next call runs anew


async def test_an_error_reaches_every_caller_of_the_run():
    flight = SingleFlight()

    async def failing():
        await asyncio.sleep(0)
        raise LookupError("gone")

    results = await asyncio.gather(
        *(flight.run("k", failing) for _ in range(3)), return_exceptions=True
    )
    assert [type(r) for r in results] == [LookupError] * 3


async def test_a_cancelled_caller_leaves_the_run_to_the_others():
    flight, release = SingleFlight(), asyncio.Event()

    async def load():
        await release.wait()
        return "view"

    first = asyncio.ensure_future(flight.run("k", load))
    second = asyncio.ensure_future(flight.run("k", load))
    await asyncio.sleep(0)
    first.cancel()
    release.set()
    assert await second == "view"
    assert first.cancelled()
