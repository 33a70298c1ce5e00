"""Keeping built indexes while their data is unchanged, and doing a request's work once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar, cast

from cachetools import LRUCache

T = TypeVar("T")
MAX_INDEXES = 8  # a few sets of kinds, each in its current version


class IndexCache(Generic[T]):
    """Indexes of the whole process by the stamp of their data; each is built once, off the
    event loop, however many requests ask for it at the same time."""

    def __init__(self, size: int = MAX_INDEXES) -> None:
        self._built: LRUCache[Hashable, T] = LRUCache(maxsize=size)
        self._building: dict[Hashable, asyncio.Task[T]] = {}
        self.builds = 0

    async def get(self, stamp: Hashable, build: Callable[[], T]) -> T:
        if stamp in self._built:
            return self._built[stamp]
        task = self._building.get(stamp)
        if task is None:
            task = asyncio.create_task(self._build(stamp, build))
            self._building[stamp] = task
        return await asyncio.shield(task)

    async def _build(self, stamp: Hashable, build: Callable[[], T]) -> T:
        try:
            built = await asyncio.to_thread(build)
            self.builds += 1
            self._built[stamp] = built
            return built
        finally:
            del self._building[stamp]


class RequestMemo:
    """Work that one request shares between its resolvers, done at most once per key."""

    def __init__(self) -> None:
        self._work: dict[Hashable, asyncio.Task[Any]] = {}

    async def once(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        task = self._work.get(key)
        if task is None:
            task = asyncio.ensure_future(work())
            self._work[key] = task
        return cast(T, await task)
