"""Hits on one rate limit that arrive together are counted in Redis together.

A busy client (a portal's server, a partner's backend) sends many requests at once; each
would cost a Redis round trip to count. While one count for a client is in flight, the
hits that arrive meanwhile wait and are then counted in one call with their total cost —
a group commit. When a group does not fit in what is left of the limit, its hits are
counted one by one, so that exactly as many are admitted as the limit allows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Hit = Callable[[int], Awaitable[bool]]  # counts a cost; False when it does not fit


@dataclass
class _Waiting:
    cost: int
    answer: asyncio.Future[bool] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupedHits:
    def __init__(self) -> None:
        self._queues: dict[str, list[_Waiting]] = {}
        self._committing: set[asyncio.Task[None]] = set()

    async def hit(self, key: str, cost: int, count: Hit) -> bool:
        """Whether ``cost`` fits in the limit under ``key``; ``count`` asks the storage."""
        waiting = _Waiting(cost)
        queue = self._queues.get(key)
        if queue is None:
            self._queues[key] = queue = []
            task = asyncio.create_task(self._commit(key, count))
            self._committing.add(task)
            task.add_done_callback(self._committing.discard)
        queue.append(waiting)
        return await waiting.answer

    async def _commit(self, key: str, count: Hit) -> None:
        await asyncio.sleep(0)  # let the hits that arrived with this one join it
        try:
            while self._queues[key]:
                group, self._queues[key] = self._queues[key], []
                await _count_group(group, count)
        finally:
            for waiting in self._queues.pop(key, []):  # left by a failure: fail them too
                if not waiting.answer.done():
                    waiting.answer.set_exception(RuntimeError("rate limit count abandoned"))


async def _count_group(group: list[_Waiting], count: Hit) -> None:
    """Count the group's hits, together when they fit, and answer each of them."""
    try:
        if len(group) > 1 and await count(sum(w.cost for w in group)):
            for waiting in group:
                waiting.answer.set_result(True)
            return
        for waiting in group:  # alone, or too many together: each as far as it fits
            waiting.answer.set_result(await count(waiting.cost))
    except Exception as exc:
        for waiting in group:
            if not waiting.answer.done():
                waiting.answer.set_exception(exc)
