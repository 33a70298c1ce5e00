"""Which complaints someone follows, on any replica: leases in Redis, renewed while followed.

A replica holds a lease on each complaint its subscribers follow and renews them all at
once every interval; a replica that stops renewing (it crashed) lets its leases run out,
and one that restarts takes them again as its clients subscribe anew. Where a complaint
lives at its source, when known, is written beside it so the watcher need not look it up.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kotahub.clock import SYSTEM_CLOCK, Clock
from kotahub.store.redis_connection import RedisClient, redis_text

Where = tuple[str, str]  # the source and the complaint's id there
_SEP = "\x1f"


class Interests:
    def __init__(
        self, redis: RedisClient, prefix: str, lease_seconds: float, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._redis = redis
        # One hash tag: a cluster keeps both keys on one node, so they go in one transaction.
        self.key = f"{prefix}:{{live}}:followed"
        self.where_key = f"{prefix}:{{live}}:where"
        self.seen_key = f"{prefix}:{{live}}:seen"  # what the watcher told last, by complaint
        self.lease_seconds = lease_seconds
        self._clock = clock
        self._held: Counter[str] = Counter()

    @property
    def held(self) -> frozenset[str]:
        """The tracking ids this process's subscribers follow."""
        return frozenset(self._held)

    async def hold(self, tracking_id: str, where: Where | None) -> None:
        """A lease on the complaint, counted as held once Redis has it. What was told of it
        is forgotten, so that the watcher's next round tells it again: a new follower's
        first look may have come from an answer older than the last change."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self.key, {tracking_id: self._until()})
            pipe.hdel(self.seen_key, tracking_id)
            if where is not None:
                pipe.hset(self.where_key, tracking_id, _SEP.join(where))
            await pipe.execute()
        self._held[tracking_id] += 1

    def release(self, tracking_id: str) -> None:
        """The lease runs out on its own unless another subscriber renews it."""
        self._held[tracking_id] -= 1
        if self._held[tracking_id] <= 0:
            del self._held[tracking_id]

    async def renew(self) -> None:
        if self._held:
            until = self._until()
            await self._redis.zadd(self.key, dict.fromkeys(self._held, until))

    async def any_followed(self) -> bool:
        """Whether a lease is held on any replica (run out or not), in one cheap call."""
        return bool(await self._redis.zcard(self.key))

    async def followed(self) -> dict[str, Where | None]:
        """Every complaint followed on any replica, with where it lives when known; the
        leases that ran out are dropped on the way."""
        now = self._clock.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrangebyscore(self.key, "-inf", now)
            pipe.zremrangebyscore(self.key, "-inf", now)
            pipe.zrange(self.key, 0, -1)
            expired, _, live = await pipe.execute()
        if expired:
            await self._redis.hdel(self.where_key, *expired)
        ids = [redis_text(item) for item in live]
        places = await self._redis.hmget(self.where_key, ids) if ids else []
        return {i: _where(place) for i, place in zip(ids, places, strict=True)}

    def _until(self) -> float:
        return self._clock.time() + self.lease_seconds


def _where(value: Any) -> Where | None:
    if value is None:
        return None
    source, _, local_id = redis_text(value).partition(_SEP)
    return (source, local_id) if local_id else None
