"""Cache generations: dropping every entry of a source at once, without looking for them.

Each source's cache keys carry its generation, a counter in Redis. Invalidating a source
moves it past both what Redis holds and what this process knows: the old entries can no
longer be found and expire on their own, so no command ever walks the keyspace. Each
process keeps the counters it has read for a few seconds and rereads one at once when told
(over Redis pub/sub) that it changed. A generation only ever moves forward: one moved here
while Redis was away, or one Redis lost (a restart, a failover), is carried past what Redis
holds as soon as Redis answers again, and the other replicas are told.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from kotahub.store.cache import FallbackStore

REREAD_SECONDS = 5.0  # bounds how long a replica that missed the message serves old entries
EVERYTHING = "*"  # the generation of whole responses, which may touch any source


@dataclass(frozen=True, slots=True)
class _Known:
    generation: int
    read_at: float
    pending: bool = False  # moved here while Redis was away; Redis has not heard of it yet


class Generations:
    def __init__(
        self,
        store: FallbackStore,
        prefix: str,
        reread_seconds: float = REREAD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        channel: str | None = None,
    ) -> None:
        self._store = store
        self._prefix = prefix
        self._reread_seconds = reread_seconds
        self._clock = clock
        self._channel = channel
        self._known: dict[str, _Known] = {}

    def _key(self, source: str) -> str:
        return f"{self._prefix}:gen:{source}"

    async def current(self, source: str) -> int:
        known = self._known.get(source)
        if known is None or known.pending or self._clock() - known.read_at >= self._reread_seconds:
            known = await self._reread(source, known)
        return known.generation

    async def advance(self, source: str) -> int:
        """Make every entry of the source unreachable, here and (through Redis) everywhere."""
        known = self._known.get(source)
        floor = known.generation if known else 0
        moved = await self._move_past(source, floor)
        if moved is None:  # Redis is away: this replica forgets now, the others once it returns
            latest = self._known.get(source)  # past what was learnt while Redis was tried, too
            ahead = _Known((latest.generation if latest else 0) + 1, self._clock(), pending=True)
            self._known[source] = ahead
            return ahead.generation
        return self._learn(source, known, moved, carried=floor).generation

    def forget(self, source: str) -> None:
        """Read the source's generation from Redis on next use (another replica moved it)."""
        known = self._known.get(source)
        if known is not None:  # kept as a floor: a generation never goes back
            self._known[source] = replace(known, read_at=-math.inf)

    async def _reread(self, source: str, known: _Known | None) -> _Known:
        floor = known.generation if known else 0
        key = self._key(source)
        read = await self._store.on_redis(lambda redis: redis.counter(key))
        if read is None:
            return self._try_later(source, known)
        if read >= floor and not (known is not None and known.pending):
            return self._learn(source, known, read, carried=None)
        # Redis lost a move (restarted, failed over) or never heard of one made here:
        # past both, so that no replica takes entries written meanwhile for fresh ones.
        moved = await self._move_past(source, floor)
        if moved is None:
            return self._try_later(source, known)
        learnt = self._learn(source, known, moved, carried=floor)
        await self._announce(source)
        return learnt

    def _learn(
        self, source: str, asked: _Known | None, generation: int, carried: int | None
    ) -> _Known:
        """Record what Redis answered, merged with what this replica recorded while it waited
        (a move made here meanwhile survives the answer). ``carried``: the generation a move
        in Redis just went past; moves made here up to it are pending no longer."""
        learnt = _Known(generation, self._clock())
        latest = self._known.get(source)
        if latest is not None and latest is not asked:
            pending = latest.pending and (carried is None or latest.generation > carried)
            generation = max(generation, latest.generation)
            learnt = _Known(generation, min(learnt.read_at, latest.read_at), pending)
        self._known[source] = learnt
        return learnt

    def _try_later(self, source: str, asked: _Known | None) -> _Known:
        """Keep what is known while Redis is away, unless more was recorded while it was tried."""
        latest = self._known.get(source)
        if latest is not None and latest is not asked:
            return latest
        kept = replace(asked, read_at=self._clock()) if asked else _Known(0, self._clock())
        self._known[source] = kept
        return kept

    async def _move_past(self, source: str, floor: int) -> int | None:
        key = self._key(source)
        return await self._store.on_redis(lambda redis: redis.advance_past(key, floor))

    async def _announce(self, source: str) -> None:
        channel = self._channel
        if channel is not None:
            await self._store.on_redis(lambda redis: redis.publish(channel, source))
