"""Keeping built indexes while their data is unchanged, and doing a request's work once."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar, cast

from cachetools import LRUCache

T = TypeVar("T")
MAX_INDEXES = 8  # sets of kinds searched, each with the index of its current data


class IndexCache(Generic[T]):
    """Indexes of the whole process, one per key, each kept while its data is unchanged.

    An index is built once, off the event loop, however many requests ask for it at the
    same time; a new stamp (the data was fetched anew) replaces the key's old index.
    """

    def __init__(self, size: int = MAX_INDEXES) -> None:
        self._built: LRUCache[Hashable, tuple[Hashable, T]] = LRUCache(maxsize=size)
        self._building: dict[tuple[Hashable, Hashable], asyncio.Task[T]] = {}
        self.builds = 0

    async def get(self, key: Hashable, stamp: Hashable, build: Callable[[], T]) -> T:
        cached = self._built.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        task = self._building.get((key, stamp))
        if task is None:
            task = asyncio.create_task(self._build(key, stamp, build))
            task.add_done_callback(_retrieved)
            self._building[(key, stamp)] = task
        return await asyncio.shield(task)

    async def _build(self, key: Hashable, stamp: Hashable, build: Callable[[], T]) -> T:
        try:
            built = await asyncio.to_thread(build)
            self.builds += 1
            self._built[key] = (stamp, built)
            return built
        finally:
            del self._building[(key, stamp)]


class RequestMemo:
    """Work that one request shares between its resolvers, done at most once per key."""

    def __init__(self) -> None:
        self._work: dict[Hashable, asyncio.Task[Any]] = {}

    async def once(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        """The work's result; a field that is cancelled while waiting (GraphQL cancels the
        siblings of a failed non-null field) does not cancel it for the others."""
        task = self._work.get(key)
        if task is None or task.cancelled():
            task = asyncio.ensure_future(work())
            task.add_done_callback(_retrieved)
            self._work[key] = task
        return cast(T, await asyncio.shield(task))


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Read the outcome, so that work whose every waiter was cancelled logs no warning."""
    if not task.cancelled():
        task.exception()
