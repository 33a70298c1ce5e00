"""Indexes are built once per version of their data, off the event loop, and replaced."""

from __future__ import annotations

import asyncio
import threading

from kotahub.resolvers.index_cache import IndexCache, RequestMemo


async def test_concurrent_requests_for_one_version_build_it_once() -> None:
    cache: IndexCache[str] = IndexCache()
    threads: set[int] = set()

    def build() -> str:
        threads.add(threading.get_ident())
        return "index v1"

    built = await asyncio.gather(*(cache.get("all", "v1", build) for _ in range(20)))
    assert built == ["index v1"] * 20
    assert cache.builds == 1
    assert threads and threading.get_ident() not in threads  # not on the event loop


async def test_a_new_stamp_replaces_the_old_index_of_its_key_only() -> None:
    cache: IndexCache[str] = IndexCache()
    assert await cache.get("all", "v1", lambda: "all v1") == "all v1"
    assert await cache.get("places", "v1", lambda: "places v1") == "places v1"
    assert await cache.get("all", "v2", lambda: "all v2") == "all v2"
    assert await cache.get("all", "v2", lambda: "rebuilt") == "all v2"
    assert await cache.get("places", "v1", lambda: "rebuilt") == "places v1"
    assert await cache.get("all", "v1", lambda: "all v1 again") == "all v1 again"
    assert cache.builds == 4


async def test_a_failed_build_is_not_kept() -> None:
    cache: IndexCache[str] = IndexCache()

    def broken() -> str:
        raise ValueError("bad record")

    for _ in range(2):
        try:
            await cache.get("all", "v1", broken)
        except ValueError as exc:
            assert str(exc) == "bad record"
        else:
            raise AssertionError("the build error was swallowed")
    assert await cache.get("all", "v1", lambda: "fixed") == "fixed"


async def test_request_memo_does_each_piece_of_work_once() -> None:
    memo = RequestMemo()
    calls = 0

    async def work() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        return calls

    results = await asyncio.gather(*(memo.once("view", work) for _ in range(10)))
    assert results == [1] * 10 and calls == 1
    assert await memo.once("other", work) == 2
