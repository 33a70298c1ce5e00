"""Single-flight across processes: of the replicas missing one key, one asks the upstream.

The one that takes a short Redis lock fetches; the others wait for its answer to appear in
the cache. The lock frees itself after the fetch's own deadline, so a holder that dies
never blocks anyone for longer than that; a waiter that sees the lock go without an answer
tries to take it, and one that waits past the deadline fetches for itself.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kotahub.store.cache import FallbackStore

FIRST_POLL_SECONDS = 0.005
LAST_POLL_SECONDS = 0.1


@dataclass
class Lead:
    """Whether this process is to fetch, and the lock it holds to do so (if any)."""

    fetch: bool
    _store: FallbackStore | None = None
    _lock: str = ""
    _token: str = ""

    async def release(self) -> None:
        if self._store is not None:
            store, lock, token = self._store, self._lock, self._token
            self._store = None
            await store.on_redis(lambda redis: redis.unlock(lock, token))


class ReplicaFlight:
    def __init__(self, store: FallbackStore, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._clock = clock

    async def lead(
        self, key: str, hold_seconds: float, answered: Callable[[], Awaitable[bool]]
    ) -> Lead:
        """Take the lead for ``key``, or wait until ``answered()`` says another replica's
        answer is in the cache (then ``fetch`` is False)."""
        lock, token = f"{key}:lock", uuid.uuid4().hex
        deadline = self._clock() + hold_seconds
        while True:
            taken = await self._store.on_redis(lambda r: r.try_lock(lock, token, hold_seconds))
            if taken is None:  # no Redis: this process's own single-flight is all there is
                return Lead(fetch=True)
            if taken:
                return Lead(True, self._store, lock, token)
            outcome = await self._wait(lock, deadline, answered)
            if outcome is not None:
                return Lead(fetch=outcome)

    async def _wait(
        self, lock: str, deadline: float, answered: Callable[[], Awaitable[bool]]
    ) -> bool | None:
        """False once answered; True past the deadline; None when the lock went unanswered."""
        delay = FIRST_POLL_SECONDS
        while self._clock() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, LAST_POLL_SECONDS)
            if await answered():
                return False
            if not await self._store.on_redis(lambda r: r.exists(lock)):
                return False if await answered() else None
        return True
