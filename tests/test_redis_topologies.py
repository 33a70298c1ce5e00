"""The hub on a real three-node Redis Cluster and behind a real Sentinel, started on loopback."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from redis.exceptions import MovedError

from kotahub.demo.request_log import RequestLog
from kotahub.hub.settings import Settings
from kotahub.store.cache import FallbackStore, MemoryStore
from kotahub.store.generations import Generations
from kotahub.store.invalidation_listener import listen_for_invalidations
from kotahub.store.redis_connection import close_redis, connect_redis, parse_redis_url
from tests.conftest import HubFactory
from tests.support.complaints import road_complaint, submit, wait_for_status
from tests.support.graphql import gql
from tests.support.redis_cluster import RedisCluster, SentinelSetup, running

pytestmark = pytest.mark.system

CITY = """{ touristSpots(first: 5) { edges { node { id name } } }
  healthFacilities(first: 5) { edges { node { id name } } }
  complaintCategories { code } dimensions { code } }"""
SPOTS = "{ touristSpots(first: 3) { edges { node { name } } } }"


@pytest.fixture
def own_cluster() -> Iterator[RedisCluster]:
    """A cluster of this test's own, which it may break."""
    with running(RedisCluster()) as cluster:
        yield cluster


@pytest.fixture
def sentinel() -> Iterator[SentinelSetup]:
    with running(SentinelSetup()) as setup:
        yield setup


def on_cluster(hub_settings: Callable[..., Settings], url: str, **extra: Any) -> Settings:
    return hub_settings(redis_url=url, redis_retry_seconds=0.2, **extra)


async def test_cached_answers_are_spread_over_the_cluster_and_served_again(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    redis_cluster: RedisCluster,
    tourism_log: RequestLog,
    health_log: RequestLog,
) -> None:
    before = redis_cluster.key_counts()
    settings = on_cluster(hub_settings, redis_cluster.url, response_cache=False)
    async with hub(settings) as client:
        first = await gql(client, CITY)
        assert "errors" not in first and tourism_log.count() and health_log.count()
        ready = (await client.get("/readyz")).json()  # it probes the sources too
        tourism_log.clear()
        health_log.clear()
    async with hub(settings) as other:
        second = await gql(other, CITY)  # a new process's memory is empty: Redis answers
    assert second == first
    assert tourism_log.count() == 0 and health_log.count() == 0
    assert ready["redis"] == {"ok": True}
    now = redis_cluster.key_counts()
    grown = [after - earlier for after, earlier in zip(now, before, strict=True)]
    assert sum(1 for added in grown if added > 0) >= 2, grown


async def test_complaints_are_recorded_once_and_delivered_through_the_cluster(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    redis_cluster: RedisCluster,
    complaints_log: RequestLog,
) -> None:
    settings = on_cluster(hub_settings, redis_cluster.url)
    key = f"cluster-{uuid.uuid4().hex}"
    async with hub(settings) as client:
        queued = await submit(client, road_complaint(), key)
        again = await submit(client, road_complaint(), key)
        assert again["trackingId"] == queued["trackingId"]
        delivered = await wait_for_status(client, queued["trackingId"], "SUBMITTED")
    assert delivered["sourceId"]
    posts = [entry for entry in complaints_log.requests if entry[0] == "POST"]
    assert len(posts) == 1
    pattern = f"{{{settings.cache_prefix}}}:*"  # the outbox's keys, as the hub wrote them
    held = [sorted(node.client().keys(pattern)) for node in redis_cluster.nodes]
    holding = [keys for keys in held if keys]
    assert len(holding) == 1  # every outbox key on one node, as its atomic scripts need
    kinds = {(key.decode() if isinstance(key, bytes) else key).split(":")[1] for key in holding[0]}
    assert {"outbox", "submission", "idempotency"} <= kinds


async def test_rate_limits_count_across_hubs_on_the_cluster(
    hub: HubFactory, hub_settings: Callable[..., Settings], redis_cluster: RedisCluster
) -> None:
    limits = {"anonymous": "3/minute"}
    prefix = f"limits-{uuid.uuid4().hex[:8]}"
    settings = on_cluster(hub_settings, redis_cluster.url, rate_limits=limits, cache_prefix=prefix)
    async with hub(settings) as first, hub(settings) as second:
        statuses = []
        for client in (first, second, first, second):
            response = await client.post("/graphql", json={"query": SPOTS})
            statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429]


async def test_a_cluster_node_going_away_fails_no_query_and_its_return_is_noticed(
    hub: HubFactory, hub_settings: Callable[..., Settings], own_cluster: RedisCluster
) -> None:
    settings = on_cluster(hub_settings, own_cluster.url, readiness_cache_seconds=0)
    async with hub(settings) as client:
        assert "errors" not in await gql(client, CITY)
        own_cluster.nodes[2].stop()
        await _until_redis_is(client, ok=False)  # the cluster notices after its node timeout
        answered = [await gql(client, CITY) for _ in range(3)]
        own_cluster.nodes[2].start()
        await _until_redis_is(client, ok=True)
    assert all("errors" not in body and body["data"]["dimensions"] for body in answered)


async def _until_redis_is(client: httpx.AsyncClient, ok: bool) -> None:
    deadline = time.monotonic() + 30
    while (await client.get("/readyz")).json()["redis"]["ok"] != ok:
        assert time.monotonic() < deadline, f"/readyz never said Redis ok={ok}"
        await asyncio.sleep(0.2)


async def test_the_hub_follows_sentinel_to_the_new_master_after_a_failover(
    hub: HubFactory, hub_settings: Callable[..., Settings], sentinel: SentinelSetup
) -> None:
    settings = hub_settings(redis_url=sentinel.url, redis_retry_seconds=0.2)
    async with hub(settings) as client:
        before = await submit(client, road_complaint())
        await wait_for_status(client, before["trackingId"], "SUBMITTED")
        sentinel.fail_over()  # once the replica holds every write, so that none is lost
        after = await _submit_once_redis_answers(client)
        await wait_for_status(client, after["trackingId"], "SUBMITTED", seconds=30)
        ready = (await client.get("/readyz")).json()
    assert ready["redis"] == {"ok": True}
    promoted = sentinel.replica.client()
    assert promoted.exists(f"{settings.cache_prefix}:submission:{after['trackingId']}")
    assert promoted.exists(f"{settings.cache_prefix}:submission:{before['trackingId']}")


async def _submit_once_redis_answers(client: httpx.AsyncClient) -> Any:
    """What a portal does when told the queue store does not answer: try again shortly."""
    deadline = time.monotonic() + 30
    while True:
        body = await gql(client, _SUBMIT_PLAIN, {"input": road_complaint()})
        if "errors" not in body:
            return body["data"]["submitComplaint"]
        assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)


_SUBMIT_PLAIN = """mutation ($input: SubmitComplaintInput!) {
  submitComplaint(input: $input) { trackingId deliveryStatus } }"""


def test_the_test_cluster_really_is_one(redis_cluster: RedisCluster) -> None:
    """Guards the tests above: a cluster client must be redirected between the three nodes."""
    with pytest.raises(MovedError):
        for n in range(50):
            redis_cluster.nodes[0].client().set(f"probe-{n}", 1)


async def test_invalidations_are_heard_on_a_cluster_that_came_up_after_the_hub() -> None:
    cluster = RedisCluster()  # not started yet: the hub starts first
    client = connect_redis(parse_redis_url(cluster.url), timeout=1.0, connections=8)
    generations = Generations(FallbackStore(None, MemoryStore(16), retry_seconds=1), "late")
    stop = asyncio.Event()
    listening = asyncio.create_task(
        listen_for_invalidations(client, "late:invalidations", generations, stop)
    )
    try:
        await asyncio.sleep(1.5)  # it has tried, and failed, at least once
        with running(cluster):
            deadline = time.monotonic() + 30
            while await client.publish("late:invalidations", "tourism") == 0:
                assert time.monotonic() < deadline, "the listener never subscribed"
                await asyncio.sleep(0.2)
    finally:
        stop.set()
        listening.cancel()
        await asyncio.gather(listening, return_exceptions=True)
        await close_redis(client)
