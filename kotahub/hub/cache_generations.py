"""Cache generations: dropping every entry of a source at once, without looking for them.

Each source's cache keys carry its generation, a counter in Redis. Invalidating a source
increments it: the old entries can no longer be found and expire on their own, so no
command ever walks the keyspace. Each process keeps the counters it has read for a few
seconds and forgets one at once when told (over Redis pub/sub) that it changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kotahub.hub.cache import FallbackStore

REREAD_SECONDS = 5.0  # bounds how long a replica that missed the message serves old entries
EVERYTHING = "*"  # the generation of whole responses, which may touch any source


class Generations:
    def __init__(
        self,
        store: FallbackStore,
        prefix: str,
        reread_seconds: float = REREAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._prefix = prefix
        self._reread_seconds = reread_seconds
        self._clock = clock
        self._known: dict[str, tuple[int, float]] = {}

    def _key(self, source: str) -> str:
        return f"{self._prefix}:gen:{source}"

    async def current(self, source: str) -> int:
        known = self._known.get(source)
        if known is not None and self._clock() - known[1] < self._reread_seconds:
            return known[0]
        key = self._key(source)
        read = await self._store.on_redis(lambda redis: redis.counter(key))
        # Never back: an invalidation made here while Redis was away must not be undone.
        generation = max(read or 0, known[0] if known else 0)
        self._known[source] = (generation, self._clock())
        return generation

    async def advance(self, source: str) -> int:
        """Make every entry of the source unreachable, here and (through Redis) everywhere."""
        key = self._key(source)
        moved = await self._store.on_redis(lambda redis: redis.increment(key))
        known = self._known.get(source, (0, 0.0))[0]
        generation = moved if moved is not None else known + 1
        self._known[source] = (generation, self._clock())
        return generation

    def forget(self, source: str) -> None:
        """Read the source's generation from Redis on next use (another replica moved it)."""
        self._known.pop(source, None)
