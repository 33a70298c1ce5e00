"""The Redis holding the complaint outbox: named at start-up when it could lose complaints,
and kept apart from the caches when they have a Redis of their own."""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable

import pytest
import redis

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, api_keys
from tests.support.complaints import road_complaint, submit
from tests.support.graphql import gql, persisted, sha
from tests.support.redis_server import RedisServer


async def start_up_warnings(
    hub: HubFactory, settings: Settings, caplog: pytest.LogCaptureFixture
) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kotahub"):
        async with hub(settings):
            pass
    return [r.getMessage() for r in caplog.records if "complaints" in r.getMessage()]


def configure(server: RedisServer, *commands: str) -> None:
    with redis.Redis(port=server.port) as client:
        for command in commands:
            client.execute_command(*shlex.split(command))


@pytest.mark.integration  # each case asks for its own redis-server
@pytest.mark.parametrize(
    ("server", "commands", "expected"),
    [
        ("private_redis", (), "keeps queued complaints in memory only (appendonly no, no save"),
        (
            "private_redis",
            ('CONFIG SET save "3600 1"',),
            "persists by snapshots only (save '3600 1')",
        ),
        (
            "lasting_redis",
            ("CONFIG SET maxmemory 100mb", "CONFIG SET maxmemory-policy allkeys-lru"),
            "may evict queued complaints: its maxmemory-policy is 'allkeys-lru'",
        ),
        (
            "private_redis",
            ("ACL SETUSER default -config",),  # as a managed Redis: INFO answers, CONFIG not
            "has appendonly off, and whether it saves snapshots could not be checked",
        ),
        (
            "private_redis",
            ("ACL SETUSER default -config -info",),
            "could not check that Redis at redis://127.0.0.1:",
        ),
    ],
    ids=["no-persistence", "snapshots-only", "evicting", "config-refused", "both-refused"],
)
async def test_a_redis_that_could_lose_complaints_is_named_at_start_up(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    request: pytest.FixtureRequest,
    caplog: pytest.LogCaptureFixture,
    server: str,
    commands: tuple[str, ...],
    expected: str,
) -> None:
    redis_server: RedisServer = request.getfixturevalue(server)
    configure(redis_server, *commands)
    warnings = await start_up_warnings(hub, hub_settings(redis_url=redis_server.url), caplog)
    assert len(warnings) == 1, warnings
    assert expected in warnings[0]
    assert "docs/deployment.md" in warnings[0]


async def test_a_redis_that_keeps_complaints_passes_in_silence(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    lasting_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configure(lasting_redis, "CONFIG SET maxmemory 100mb")
    assert await start_up_warnings(hub, hub_settings(redis_url=lasting_redis.url), caplog) == []


def keys_of(server: RedisServer) -> set[str]:
    with redis.Redis(port=server.port) as client:
        return {key.decode() for key in client.scan_iter(count=1000)}


async def test_with_a_redis_for_the_caches_only_the_outbox_stays_in_the_first(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    lasting_redis: RedisServer,
    private_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache_redis = private_redis  # a second redis-server, for the caches alone
    configure(lasting_redis, "CONFIG SET maxmemory 100mb")
    configure(cache_redis, "CONFIG SET maxmemory 100mb", "CONFIG SET maxmemory-policy allkeys-lru")
    settings = hub_settings(
        redis_url=lasting_redis.url,
        cache_redis_url=cache_redis.url,
        delivery_worker=False,
        api_keys=api_keys(),
    )
    document = "{ touristSpots(first: 1) { edges { node { name } } } }"
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="kotahub"):
        async with hub(settings) as client:
            await client.post(
                "/graphql", json={"query": document, "extensions": persisted(document)}
            )
            invalidate = 'mutation { invalidateCache(source: "tourism") { generation } }'
            await gql(client, invalidate, headers=ADMIN)
            tracking = (await submit(client, road_complaint()))["trackingId"]
    warned = [r.getMessage() for r in caplog.records if "complaints" in r.getMessage()]
    outbox_keys, cache_keys = keys_of(lasting_redis), keys_of(cache_redis)
    prefix = settings.cache_prefix
    assert warned == []  # the caches' Redis may evict: it holds no complaint
    assert outbox_keys == {
        f"{prefix}:outbox",
        f"{prefix}:submission:{tracking}",
        f"{prefix}:contact:{tracking}",
    }
    assert {
        f"{{{prefix}:apq}}:doc:{sha(document)}",
        f"{prefix}:gen:tourism",
    } <= cache_keys
    assert not any("outbox" in key or tracking in key for key in cache_keys)
