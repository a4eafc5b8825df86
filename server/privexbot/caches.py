"""The one in-process cache shape the server uses: bounded, least recently used dropped first.

Whether an entry is still right (version stamps unchanged, a token not yet expired, the same
view) is for its caller to check; this only bounds how many entries live and for how long.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict


class Recent:
    def __init__(self, size: int, seconds: float = math.inf) -> None:
        self._entries: OrderedDict = OrderedDict()
        self._size, self._seconds = size, seconds

    def get(self, key, default=None):
        """The value put under ``key`` at most ``seconds`` ago, else ``default``."""
        entry = self._entries.get(key)
        if entry is None or time.monotonic() >= entry[1]:
            return default
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key, value) -> None:
        self._entries[key] = (value, time.monotonic() + self._seconds)
        self._entries.move_to_end(key)
        if len(self._entries) > self._size:
            self._entries.popitem(last=False)
