"""The upstream response store: Redis when it answers, an in-memory cache when it does not."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from cachetools import TLRUCache
from redis.asyncio.cluster import RedisCluster

from kotahub.store.redis_connection import REDIS_FAILURES, RedisClient

log = logging.getLogger("kotahub.cache")
T = TypeVar("T")


class ResponseStore(Protocol):
    """Bytes under string keys, each with its own time to live."""

    async def get(self, key: str) -> bytes | None: ...

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None: ...


class MemoryStore:
    """A bounded in-process store; entries expire after their own TTL, least recent go first."""

    def __init__(self, max_entries: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: TLRUCache[str, tuple[bytes, float]] = TLRUCache(
            maxsize=max_entries, ttu=lambda _key, value, now: now + value[1], timer=clock
        )

    async def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        return entry[0] if entry else None

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        self._entries[key] = (value, ttl_seconds)


class RedisStore:
    """Entries in Redis with ``SET … PX``; errors surface to the caller (REDIS_FAILURES)."""

    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(key)
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        await self._redis.set(key, value, px=max(1, int(ttl_seconds * 1000)))

    async def ping(self) -> None:
        """Every server answers (on a cluster, each primary: a node away fails some keys)."""
        if isinstance(self._redis, RedisCluster):
            await self._redis.ping(target_nodes=RedisCluster.PRIMARIES)
        else:
            await self._redis.ping()

    async def try_lock(self, key: str, token: str, ttl_seconds: float) -> bool:
        """Take the lock if no one holds it; it frees itself after ``ttl_seconds``."""
        taken = await self._redis.set(key, token, nx=True, px=max(1, int(ttl_seconds * 1000)))
        return bool(taken)

    async def unlock(self, key: str, token: str) -> None:
        """Free the lock if it is still the one this token took."""
        await self._redis.eval(_UNLOCK, 1, key, token)

    async def exists(self, key: str) -> bool:
        return bool(await self._redis.exists(key))

    async def counter(self, key: str) -> int:
        value = await self._redis.get(key)
        return int(value) if value is not None else 0

    async def evaluate(self, script: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """Run a Lua script; on a cluster, its keys must share a hash tag."""
        return await self._redis.eval(script, len(keys), *keys, *args)

    async def advance_past(self, key: str, floor: int) -> int:
        """Set the counter one past the larger of its value and ``floor``, atomically."""
        return int(await self._redis.eval(_ADVANCE_PAST, 1, key, floor))

    async def publish(self, channel: str, message: str) -> int:
        """Send a message; the number of subscribers that received it."""
        return int(await self._redis.publish(channel, message))


_UNLOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_ADVANCE_PAST = """
local next = math.max(tonumber(redis.call('get', KEYS[1]) or '0'), tonumber(ARGV[1])) + 1
redis.call('set', KEYS[1], next)
return next
"""


class FallbackStore:
    """Redis first; while Redis fails, the memory store, trying Redis again every few seconds.

    A Redis fault never reaches the caller: the hub keeps answering from upstreams and
    memory, logs the change of state once, and returns to Redis on its own.
    """

    def __init__(
        self,
        redis: RedisStore | None,
        memory: MemoryStore,
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._redis = redis
        self._memory = memory
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._down_until = 0.0
        self.last_redis_error: str | None = None

    @property
    def using_redis(self) -> bool:
        """Whether the last attempt to use Redis worked (False when none is configured)."""
        return self._redis is not None and self.last_redis_error is None

    async def get(self, key: str) -> bytes | None:
        redis = self._redis_if_due()
        if redis is not None:
            try:
                value = await redis.get(key)
            except REDIS_FAILURES as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                return value
        return await self._memory.get(key)

    async def set(self, key: str, value: bytes, ttl_seconds: float) -> None:
        redis = self._redis_if_due()
        if redis is not None:
            try:
                await redis.set(key, value, ttl_seconds)
            except REDIS_FAILURES as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                return
        await self._memory.set(key, value, ttl_seconds)

    async def on_redis(self, operation: Callable[[RedisStore], Awaitable[T]]) -> T | None:
        """The operation's result on Redis; None while Redis is down or not configured,
        for the work that only matters across replicas (locks, counters, messages)."""
        redis = self._redis_if_due()
        if redis is None:
            return None
        try:
            result = await operation(redis)
        except REDIS_FAILURES as exc:
            self._mark_down(exc)
            return None
        self._mark_up()
        return result

    async def check_redis(self, announce: bool = True) -> str | None:
        """Ping Redis now; return None when it answers, else what went wrong.

        With ``announce`` false the caller reports the outcome, and no change is logged.
        """
        if self._redis is None:
            return "no Redis configured"
        try:
            await self._redis.ping()
        except REDIS_FAILURES as exc:
            self._mark_down(exc, announce)
            return self.last_redis_error
        self._mark_up()
        return None

    def _redis_if_due(self) -> RedisStore | None:
        if self._redis is None or self._clock() < self._down_until:
            return None
        return self._redis

    def _mark_down(self, exc: BaseException, announce: bool = True) -> None:
        if self.last_redis_error is None and announce:
            log.warning("Redis unavailable, caching in memory until it returns: %s", exc)
        self.last_redis_error = f"{type(exc).__name__}: {exc}"
        self._down_until = self._clock() + self._retry_seconds

    def _mark_up(self) -> None:
        if self.last_redis_error is not None:
            log.warning("Redis is back; caching in Redis again")
        self.last_redis_error = None
        self._down_until = 0.0
