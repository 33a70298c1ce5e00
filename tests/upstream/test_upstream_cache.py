"""Upstream answers cached in a real Redis: counted at the upstream, shared, and Redis outages."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.asyncio import Redis

from kotahub.hub.settings import Settings
from kotahub.upstream.entry import CacheEntry
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql
from tests.support.redis_server import RedisServer
from tests.support.servers import ThreadedServer

QUERY = "{ touristSpots(first: 3) { totalCount edges { node { name } } } }"
NEAR = """{ touristSpots(near: {lat: -1.27, lon: 116.85, radiusKm: 20}) {
  totalCount edges { node { name distanceKm } } } }"""


async def test_second_identical_query_is_served_from_redis(
    hub: HubFactory, hub_settings: Callable[..., Settings], tourism_log: Any, redis_url: str
) -> None:
    settings = hub_settings()
    async with hub(settings) as client:
        first = await gql(client, QUERY)
        calls = tourism_log.count()
        second = await gql(client, QUERY)
    assert calls >= 1
    assert tourism_log.count() == calls
    assert first == second
    redis = Redis.from_url(redis_url)
    keys = [key async for key in redis.scan_iter(match=f"{settings.cache_prefix}:up:tourism:*")]
    ttl = await redis.pttl(keys[0])
    await redis.aclose()
    assert len(keys) == calls
    assert 300_000 < ttl <= 900_000  # max-age=300, then the default stale window of 600 s


async def test_cache_is_shared_by_hubs_on_one_redis(
    hub: HubFactory, hub_settings: Callable[..., Settings], tourism_log: Any
) -> None:
    settings = hub_settings()
    async with hub(settings) as one:
        await gql(one, QUERY)
    calls = tourism_log.count()
    async with hub(settings) as other:
        await gql(other, QUERY)
    assert tourism_log.count() == calls


async def test_concurrent_identical_misses_make_one_upstream_call(
    hub: HubFactory, hub_settings: Callable[..., Settings], tourism_log: Any
) -> None:
    async with hub(hub_settings()) as client:
        answers = await asyncio.gather(*(gql(client, QUERY) for _ in range(20)))
    assert all(answer == answers[0] for answer in answers)
    assert tourism_log.count() == 1


async def test_redis_stopped_mid_run_still_answers_and_recovers(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    private_redis: RedisServer,
    tourism_log: Any,
) -> None:
    settings = hub_settings(
        redis_url=private_redis.url, redis_retry_seconds=0.2, readiness_cache_seconds=0
    )
    async with hub(settings) as client:
        warm = await gql(client, QUERY)
        private_redis.stop()
        cold = await gql(client, NEAR)
        again = await gql(client, QUERY)
        ready_down = (await client.get("/readyz")).json()
        private_redis.start()
        await asyncio.sleep(0.3)
        recovered = await gql(client, QUERY)
        ready_up = (await client.get("/readyz")).json()
    assert "errors" not in cold and cold["data"]["touristSpots"]["totalCount"] > 0
    assert again == warm == recovered
    assert ready_down["status"] == "degraded" and ready_down["redis"]["ok"] is False
    assert ready_up["redis"] == {"ok": True}
    redis = Redis.from_url(private_redis.url)
    assert [key async for key in redis.scan_iter(match=f"{settings.cache_prefix}:*")]
    await redis.aclose()


async def test_hub_starts_and_answers_with_no_redis_at_all(
    hub: HubFactory, hub_settings: Callable[..., Settings], caplog: Any
) -> None:
    settings = hub_settings(redis_url="redis://127.0.0.1:9/0")
    with caplog.at_level("INFO"):
        async with hub(settings) as client:
            body = await gql(client, QUERY)
    assert body["data"]["touristSpots"]["totalCount"] > 0
    assert "cache: in memory (Redis at redis://127.0.0.1:9/0 does not answer" in caplog.text


async def test_freshness_follows_max_age_else_the_source_default_then_the_stale_window(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    redis_url: str,
    misbehaving_server: ThreadedServer,
    demo_server: ThreadedServer,
) -> None:
    with_max_age = tourism_source(demo_server.url, ttl_seconds=30)
    without = {
        "name": "plain",
        "kind": "geojson",
        "ttl_seconds": 42,
        "stale_seconds": 5,
        "base_url": misbehaving_server.url + "/api/items",
    }
    settings = hub_settings(sources=[with_max_age, without])
    async with hub(settings) as client:
        await gql(client, QUERY)
    redis = Redis.from_url(redis_url)
    found: dict[str, list[tuple[CacheEntry, int]]] = {}
    for source in ("tourism", "plain"):
        pattern = f"{settings.cache_prefix}:up:{source}:*"
        keys = [key async for key in redis.scan_iter(match=pattern)]
        found[source] = [(_entry(await redis.get(k)), await redis.pttl(k)) for k in keys]
    await redis.aclose()
    assert found["tourism"] and len(found["plain"]) == 2
    for source, fresh, stale in (("tourism", 300, 600), ("plain", 42, 5)):
        for entry, ttl in found[source]:
            assert entry.fresh_until - entry.fetched_at == pytest.approx(fresh, abs=0.01)
            assert entry.stale_until - entry.fresh_until == pytest.approx(stale, abs=0.01)
            assert (fresh + stale - 5) * 1000 < ttl <= (fresh + stale) * 1000


def _entry(raw: bytes | str | None) -> CacheEntry:
    entry = CacheEntry.decode(raw.encode() if isinstance(raw, str) else raw or b"")
    assert entry is not None
    return entry
