"""Two hub processes on one Redis, a single server or a three-node cluster: one upstream call
for a miss, and invalidation heard."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from kotahub.store.generations import REREAD_SECONDS
from tests.support.api_keys import ADMIN, api_keys
from tests.support.controlled_upstream import Behaviour, controlled_upstream
from tests.support.hub_process import hub_processes
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system

QUERY = "{ touristSpots { edges { node { name } } } }"


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour(cache_control="max-age=300", delay_seconds=0.5)


@pytest.fixture(params=["server", "cluster"])
def shared_redis(request: pytest.FixtureRequest, redis_url: str) -> str:
    """The Redis the replicas share: one server, or the test session's Redis Cluster."""
    if request.param == "cluster":
        return str(request.getfixturevalue("redis_cluster").url)
    return redis_url


@pytest.fixture
def replicas(behaviour: Behaviour, shared_redis: str, tmp_path: Path) -> Iterator[list[str]]:
    server = ThreadedServer(controlled_upstream(behaviour))
    server.start()
    source = {"name": "uji", "kind": "geojson", "base_url": f"{server.url}/items"}
    settings = {
        "redis_url": shared_redis,
        "cache_prefix": f"replicas-{uuid.uuid4().hex[:8]}",
        "response_cache": "false",
        "api_keys": json.dumps(api_keys()),
        "log_level": "WARNING",
    }
    try:
        with hub_processes(2, [source], tmp_path, **settings) as urls:
            yield urls
    finally:
        server.stop()


async def names(client: httpx.AsyncClient, url: str, **headers: str) -> Any:
    response = await client.post(f"{url}/graphql", json={"query": QUERY}, headers=headers)
    body = response.json()
    return [edge["node"]["name"] for edge in body["data"]["touristSpots"]["edges"]]


async def test_concurrent_misses_on_two_replicas_make_one_upstream_call(
    replicas: list[str], behaviour: Behaviour
) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        asked = [names(client, url) for url in replicas for _ in range(20)]
        answers = await asyncio.gather(*asked)
    assert all(answer == ["Pantai Uji v1"] for answer in answers)
    assert behaviour.requests() == 1


async def test_an_invalidation_on_one_replica_is_heard_by_the_other(
    replicas: list[str], behaviour: Behaviour
) -> None:
    first, second = replicas
    mutation = 'mutation { invalidateCache(source: "uji") { everywhere } }'
    admin = ADMIN
    async with httpx.AsyncClient(timeout=30) as client:
        assert await names(client, second) == ["Pantai Uji v1"]
        behaviour.version = 2
        assert await names(client, second) == ["Pantai Uji v1"]  # fresh for five minutes
        done = await client.post(f"{first}/graphql", json={"query": mutation}, headers=admin)
        assert done.json()["data"]["invalidateCache"] == {"everywhere": True}
        heard = await _until_changed(client, second)
    assert heard < REREAD_SECONDS / 2  # by the message, not by rereading the generation
    assert behaviour.requests() == 2


async def _until_changed(client: httpx.AsyncClient, url: str) -> float:
    """Seconds until the replica serves the new answer (each ask before that is a hit)."""
    started = time.monotonic()
    while await names(client, url) != ["Pantai Uji v2"]:
        assert time.monotonic() - started < REREAD_SECONDS, "the invalidation was not heard"
        await asyncio.sleep(0.05)
    return time.monotonic() - started
