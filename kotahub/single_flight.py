"""One run at a time of the work for a key, shared by everyone who asks for it meanwhile."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class SingleFlight(Generic[K, T]):
    """The running task of each key: whoever asks for a key while its task runs shares it,
    and the key is free again once the task is over."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[T]] = {}

    def __contains__(self, key: object) -> bool:
        return key in self._running

    def __len__(self) -> int:
        return len(self._running)

    def start(self, key: K, work: Callable[[], Coroutine[Any, Any, T]]) -> asyncio.Task[T]:
        """The task running for ``key``; ``work()``, started as a task, when none is."""
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(work())
            self._running[key] = task
            task.add_done_callback(functools.partial(self._finished, key))
        return task

    async def join(self, key: K, work: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """The outcome of the task running for ``key`` (``work()`` when none is). A caller
        that stops waiting stops only itself: the task goes on for the others."""
        return await asyncio.shield(self.start(key, work))

    async def aclose(self) -> None:
        """Cancel every running task and wait until they are over."""
        tasks = list(self._running.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, key: K, task: asyncio.Task[T]) -> None:
        """Free the key; reading the outcome keeps asyncio from warning of an exception
        never retrieved when every caller stopped waiting before the task was over."""
        if self._running.get(key) is task:
            del self._running[key]
        if not task.cancelled():
            task.exception()
