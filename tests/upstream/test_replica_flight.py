"""The cross-replica lock on a real Redis: one leader, waiters that read its answer, and no
waiting past the lock's life when its holder died."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from kotahub.store.cache import FallbackStore, MemoryStore, RedisStore
from kotahub.upstream.replica_flight import ReplicaFlight


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def flight(redis: Redis) -> ReplicaFlight:
    return ReplicaFlight(FallbackStore(RedisStore(redis), MemoryStore(16), retry_seconds=1))


async def test_one_leads_and_the_other_reads_its_answer(redis: Redis) -> None:
    key = f"test-flight-{uuid.uuid4().hex}"
    answer: list[str] = []

    async def answered() -> bool:
        return bool(answer)

    leader = await flight(redis).lead(key, 5.0, answered)
    waiting = asyncio.create_task(flight(redis).lead(key, 5.0, answered))
    await asyncio.sleep(0.1)
    assert leader.fetch and not waiting.done()
    answer.append("fetched")
    await leader.release()
    follower = await waiting
    assert not follower.fetch
    assert await redis.exists(f"{key}:lock") == 0


async def test_a_dead_holder_blocks_no_one_past_its_lock(redis: Redis) -> None:
    key = f"test-flight-{uuid.uuid4().hex}"
    await redis.set(f"{key}:lock", "a replica that died", px=600)

    async def never() -> bool:
        return False

    started = time.monotonic()
    lead = await flight(redis).lead(key, 5.0, never)
    waited = time.monotonic() - started
    await lead.release()
    assert lead.fetch
    assert 0.4 < waited < 2.0  # until the lock freed itself, not the five-second deadline


async def test_a_waiter_fetches_itself_at_its_deadline(redis: Redis) -> None:
    key = f"test-flight-{uuid.uuid4().hex}"
    await redis.set(f"{key}:lock", "a slow replica", px=10_000)

    async def never() -> bool:
        return False

    started = time.monotonic()
    lead = await flight(redis).lead(key, 0.5, never)
    assert lead.fetch and 0.4 < time.monotonic() - started < 2.0
    await redis.delete(f"{key}:lock")


async def test_without_redis_every_process_leads_its_own_flight() -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    lead = await flight(unreachable).lead("any", 5.0, lambda: asyncio.sleep(0, False))
    assert lead.fetch
    await unreachable.aclose()
