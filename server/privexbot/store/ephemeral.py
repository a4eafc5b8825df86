"""The ephemeral store: nonces, drafts, rate-limit counters, revocations, cache versions.

Two implementations with one interface: Redis (``REDIS_URL``; shared by workers) and an
in-process dict (embedded default; one process only). Every failure to reach Redis raises
``Unavailable`` — callers fail closed, they never treat "store down" as "not revoked".
"""

from __future__ import annotations

import time
from typing import Protocol

from privexbot import metrics
from privexbot.kernel.errors import Unavailable


class EphemeralStore(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def get_many(self, keys: list[str]) -> list[str | None]: ...
    async def set(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool: ...
    async def take(self, key: str) -> str | None: ...
    async def incr(self, key: str, ttl: float) -> tuple[int, float]: ...
    async def delete(self, *keys: str) -> None: ...
    async def delete_prefix(self, prefix: str) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


def _down(exc: Exception) -> Unavailable:
    metrics.DEPENDENCY_ERRORS.labels("ephemeral_store").inc()
    return Unavailable(
        "EPHEMERAL_STORE_UNAVAILABLE", "the ephemeral store is unreachable; retry later"
    )


class MemoryStore:
    """In-process store for the embedded default and unit tests."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[str, float]] = {}
        self._sweep_at = time.monotonic() + 60

    def _live(self, key: str) -> str | None:
        now = time.monotonic()
        if now > self._sweep_at:  # drop expired keys now and then so the dict stays bounded
            self._data = {k: v for k, v in self._data.items() if v[1] > now}
            self._sweep_at = now + 60
        item = self._data.get(key)
        if item is None:
            return None
        if item[1] <= now:
            del self._data[key]
            return None
        return item[0]

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def get_many(self, keys: list[str]) -> list[str | None]:
        return [self._live(key) for key in keys]

    async def set(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        if only_new and self._live(key) is not None:
            return False
        self._data[key] = (value, time.monotonic() + ttl)
        return True

    async def take(self, key: str) -> str | None:
        value = self._live(key)
        self._data.pop(key, None)
        return value

    async def incr(self, key: str, ttl: float) -> tuple[int, float]:
        """Increment a fixed-window counter; returns (count, seconds until the window ends)."""
        now = time.monotonic()
        value = self._live(key)
        if value is None:
            self._data[key] = ("1", now + ttl)
            return 1, ttl
        expires = self._data[key][1]
        count = int(value) + 1
        self._data[key] = (str(count), expires)
        return count, expires - now

    async def delete(self, *keys: str) -> None:
        for key in keys:
            self._data.pop(key, None)

    async def delete_prefix(self, prefix: str) -> None:
        for key in [k for k in self._data if k.startswith(prefix)]:
            del self._data[key]

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisStore:
    """``max_connections`` per process; a call finding them all busy waits for one up to
    ``pool_timeout`` seconds (then UNAVAILABLE) instead of failing at once."""

    def __init__(self, url: str, max_connections: int = 200, pool_timeout: float = 2.0) -> None:
        import redis.asyncio as redis

        self._errors = (redis.RedisError, OSError)
        pool = redis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=pool_timeout,
            decode_responses=True,
            socket_timeout=2,
            socket_connect_timeout=2,
        )
        self._redis = redis.Redis(connection_pool=pool)

    async def _call(self, coro):
        try:
            return await coro
        except self._errors as exc:
            raise _down(exc) from None

    async def get(self, key: str) -> str | None:
        return await self._call(self._redis.get(key))

    async def get_many(self, keys: list[str]) -> list[str | None]:
        return await self._call(self._redis.mget(keys)) if keys else []

    async def set(self, key: str, value: str, ttl: float, *, only_new: bool = False) -> bool:
        ok = await self._call(self._redis.set(key, value, px=max(1, int(ttl * 1000)), nx=only_new))
        return bool(ok)

    async def take(self, key: str) -> str | None:
        return await self._call(self._redis.getdel(key))

    async def incr(self, key: str, ttl: float) -> tuple[int, float]:
        async def run():
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.pexpire(key, max(1, int(ttl * 1000)), nx=True)
                pipe.pttl(key)
                count, _, pttl = await pipe.execute()
            return int(count), max(pttl, 0) / 1000

        return await self._call(run())

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._call(self._redis.delete(*keys))

    async def delete_prefix(self, prefix: str) -> None:
        async def run():
            batch = []
            async for key in self._redis.scan_iter(match=prefix + "*", count=500):
                batch.append(key)
                if len(batch) >= 500:
                    await self._redis.delete(*batch)
                    batch.clear()
            if batch:
                await self._redis.delete(*batch)

        await self._call(run())

    async def ping(self) -> None:
        await self._call(self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


def connect(
    redis_url: str, max_connections: int = 200, pool_timeout: float = 2.0
) -> EphemeralStore:
    if not redis_url:
        return MemoryStore()
    return RedisStore(redis_url, max_connections, pool_timeout)
