"""Fixed-window counters in the ephemeral store; over the limit → RESOURCE_EXHAUSTED + RetryInfo."""

from __future__ import annotations

from dataclasses import dataclass

from privexbot.kernel.errors import ResourceExhausted
from privexbot.store.ephemeral import EphemeralStore


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    window_seconds: int


class RateLimiter:
    def __init__(self, store: EphemeralStore) -> None:
        self._store = store

    @staticmethod
    def _key(limit: Limit, subject: str) -> str:
        return f"rate:{limit.name}:{subject}"

    def _exhausted(self, limit: Limit, retry_after: float) -> ResourceExhausted:
        return ResourceExhausted(
            "RATE_LIMITED",
            f"too many attempts; retry in {int(retry_after) + 1} s",
            {"limit": limit.name, "quota": str(limit.count)},
            retry_after_seconds=max(retry_after, 1.0),
        )

    async def hit(self, limit: Limit, subject: str) -> None:
        """Count one event; refuse it when the window already holds ``limit.count``."""
        count, reset = await self._store.incr(self._key(limit, subject), limit.window_seconds)
        if count > limit.count:
            raise self._exhausted(limit, reset)

    async def ensure_below(self, limit: Limit, subject: str) -> None:
        """Refuse when the counter is at its limit, without counting (e.g. failed logins)."""
        await self.ensure_below_all((limit, subject))

    async def ensure_below_all(self, *checks: tuple[Limit, str]) -> None:
        """``ensure_below`` for each (limit, subject), with one read of the store."""
        values = await self._store.get_many(
            [self._key(limit, subject) for limit, subject in checks]
        )
        for (limit, _), value in zip(checks, values, strict=True):
            if value is not None and int(value) >= limit.count:
                raise self._exhausted(limit, limit.window_seconds)
