"""/metrics counts what happened: requests sent upstream, cache results, latencies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql
from tests.support.redis_server import RedisServer

QUERY = "{ touristSpots(first: 3) { totalCount } healthFacilities(first: 3) { totalCount } }"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


async def test_counters_match_what_the_upstreams_saw(
    hub: HubFactory, hub_settings: Callable[..., Settings], tourism_log: Any, health_log: Any
) -> None:
    async with hub(hub_settings(response_cache=False)) as client:
        for _ in range(3):
            assert "errors" not in await gql(client, QUERY)
        response = await client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    sent = {
        source: found[("kotahub_upstream_requests_total", (("source", source),))]
        for source in ("tourism", "health")
    }
    assert sent == {"tourism": tourism_log.count(), "health": health_log.count()}
    upstream = {
        result: found.get(
            ("kotahub_cache_requests_total", (("level", "upstream"), ("result", result))), 0
        )
        for result in ("hit", "miss")
    }
    assert upstream["miss"] >= 2 and upstream["hit"] == 2 * upstream["miss"]
    latency = ("kotahub_request_duration_seconds_count", (("cache", "bypass"),))
    assert found[latency] == 3


async def test_whole_responses_survive_redis_going_and_coming_back(
    hub: HubFactory, hub_settings: Callable[..., Settings], private_redis: RedisServer
) -> None:
    async with hub(hub_settings(redis_url=private_redis.url)) as client:
        kept = await client.post("/graphql", json={"query": QUERY})
        private_redis.stop()
        without = [await client.post("/graphql", json={"query": QUERY}) for _ in range(2)]
        private_redis.start()
        back = await client.post("/graphql", json={"query": QUERY})
    assert kept.headers["x-kotahub-cache"] == "miss"
    # What this process kept, it serves without Redis.
    assert [r.headers["x-kotahub-cache"] for r in without] == ["hit", "hit"]
    assert all(r.json() == kept.json() for r in [*without, back])
