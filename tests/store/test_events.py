"""Events through one Redis stream: every replica hears them, each listener its topic's."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from kotahub.store.events import Event, EventStream
from kotahub.store.redis_connection import RedisClient, connect_redis, parse_redis_url
from tests.support.redis_cluster import RedisCluster

Replicas = Callable[[], EventStream]


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[RedisClient]:
    client = connect_redis(parse_redis_url(redis_url), timeout=5.0, connections=64)
    yield client
    await client.aclose()


@pytest.fixture
async def replica(redis: RedisClient) -> AsyncIterator[Replicas]:
    """Event streams on one Redis under one prefix, as replicas of one hub have them."""
    prefix, made = f"events-{uuid.uuid4().hex[:8]}", []

    def make() -> EventStream:
        made.append(EventStream(redis, prefix, block_ms=100, queue_size=4))
        return made[-1]

    yield make
    for stream in made:
        await stream.aclose()
    await redis.delete(f"{prefix}:events")


async def _next(events: AsyncIterator[Event]) -> Event:
    return await asyncio.wait_for(anext(events), timeout=5.0)


async def test_a_listener_on_one_replica_hears_what_another_publishes(replica: Replicas) -> None:
    one, other = replica(), replica()
    async with other.listen("complaint:KH-1") as events, other.listen("complaint:KH-2") as else_:
        await one.publish("complaint:KH-3", {"status": "open"})
        await one.publish("complaint:KH-1", {"status": "SUBMITTED"})
        heard = await _next(events)
        assert (heard.topic, dict(heard.data)) == ("complaint:KH-1", {"status": "SUBMITTED"})
        await one.publish("complaint:KH-2", {"status": "closed"})
        assert (await _next(else_)).data == {"status": "closed"}  # KH-3 went to no one


async def test_a_thousand_listeners_share_one_reader(replica: Replicas) -> None:
    stream = replica()
    async with _listening(stream, "source:health", 1000) as listeners:
        await replica().publish("source:health", {"circuit": "open"})
        heard = await asyncio.gather(*(_next(events) for events in listeners))
        tasks = [t for t in asyncio.all_tasks() if t.get_name() == "kotahub events"]
    assert {event.data["circuit"] for event in heard} == {"open"}
    assert len(tasks) == 1
    assert stream.listeners == 0  # each left when its block ended


async def test_a_listener_behind_keeps_the_newest_and_holds_no_one_up(replica: Replicas) -> None:
    stream = replica()
    async with stream.listen("t") as slow, stream.listen("t") as quick:
        for step in range(10):
            await stream.publish("t", {"step": step})
            assert (await _next(quick)).data == {"step": step}
        kept = [(await _next(slow)).data["step"] for _ in range(4)]
    assert kept == [6, 7, 8, 9]  # a queue of four: the oldest went


async def test_the_stream_is_read_alike_on_a_redis_cluster(redis_cluster: RedisCluster) -> None:
    client = connect_redis(parse_redis_url(redis_cluster.url), timeout=5.0, connections=8)
    prefix = f"events-{uuid.uuid4().hex[:8]}"
    one, other = EventStream(client, prefix, block_ms=100), EventStream(client, prefix)
    try:
        async with other.listen("complaint:KH-9") as events:
            await one.publish("complaint:KH-9", {"status": "closed"})
            assert (await _next(events)).data == {"status": "closed"}
    finally:
        await other.aclose()
        await client.delete(f"{prefix}:events")
        await client.aclose()


class _listening:
    """``count`` listeners on one topic, entered together."""

    def __init__(self, stream: EventStream, topic: str, count: int) -> None:
        self.blocks = [stream.listen(topic) for _ in range(count)]

    async def __aenter__(self) -> list[AsyncIterator[Event]]:
        return [await block.__aenter__() for block in self.blocks]

    async def __aexit__(self, *exc: object) -> None:
        for block in self.blocks:
            await block.__aexit__(None, None, None)
