"""The bounded in-process cache every server-side cache uses."""

from __future__ import annotations

import time

from privexbot.caches import Recent


def test_the_least_recently_used_entry_goes_first():
    cache = Recent(2)
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
    cache = Recent(10, seconds=60)
    cache.put("a", None)
    assert cache.get("a", "missing") is None  # a stored None is a value, not a miss
    now[0] += 59.9
    assert cache.get("a", "missing") is None
    now[0] += 0.1
    assert cache.get("a", "missing") == "missing"
