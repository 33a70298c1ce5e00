"""invalidateCache: for admins only, it drops a source's answers and every whole response."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.hub.settings import Settings
from kotahub.store.cache import FallbackStore, MemoryStore, RedisStore
from kotahub.store.generations import REREAD_SECONDS, Generations
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, ADMIN_KEY, PARTNER, api_keys
from tests.support.controlled_upstream import Behaviour
from tests.support.fake_clock import FakeClock
from tests.support.graphql import gql, only_error
from tests.support.held_proxy import HeldProxy
from tests.support.redis_server import RedisServer

QUERY = "{ touristSpots { edges { node { name } } } }"
INVALIDATE = """mutation($source: String!) {
  invalidateCache(source: $source) { source generation everywhere } }"""


@pytest.fixture
def make_settings(
    hub_settings: Callable[..., Settings], uji_source: dict[str, Any]
) -> Callable[..., Settings]:
    return lambda **extra: hub_settings(
        **{"sources": [uji_source], "api_keys": api_keys(), **extra}
    )


async def names(client: httpx.AsyncClient) -> list[str]:
    body = await gql(client, QUERY)
    return [edge["node"]["name"] for edge in body["data"]["touristSpots"]["edges"]]


def reread_wait(settings: Settings) -> float:
    """Long enough for Redis to be tried again and the generations read from it again."""
    return max(settings.redis_retry_seconds, REREAD_SECONDS) + 0.1


async def invalidate_while_redis_is_down(
    client: httpx.AsyncClient, behaviour: Behaviour, private_redis: RedisServer
) -> dict[str, Any]:
    """Cache v1, stop Redis, let the upstream move to v2, and invalidate: the answer."""
    await names(client)
    private_redis.stop()
    behaviour.version = 2
    return await gql(client, INVALIDATE, {"source": "uji"}, headers=ADMIN)


async def test_an_admin_drops_the_source_and_the_responses_built_from_it(
    hub: HubFactory, make_settings: Callable[..., Settings], behaviour: Behaviour
) -> None:
    async with hub(make_settings()) as client:
        assert await names(client) == ["Pantai Uji v1"]
        behaviour.version = 2
        assert await names(client) == ["Pantai Uji v1"]  # kept: fresh for five minutes
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        assert await names(client) == ["Pantai Uji v2"]
    done = body["data"]["invalidateCache"]
    assert done == {"source": "uji", "generation": 1, "everywhere": True}
    assert behaviour.requests() == 2


@pytest.mark.parametrize(
    ("headers", "scope"),
    [({}, "anonymous"), (PARTNER, "partner"), ({"x-api-key": ""}, "anonymous")],
)
async def test_anyone_but_an_admin_is_refused(
    hub: HubFactory,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    headers: dict[str, str],
    scope: str,
) -> None:
    async with hub(make_settings()) as client:
        await names(client)
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=headers)
        await names(client)
    error = only_error(body)
    assert error["message"] == (
        "invalidateCache needs an API key with the admin scope, sent as 'X-API-Key: <key>'; "
        f"this request has the {scope} scope"
    )
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert behaviour.requests() == 1  # nothing was dropped


@pytest.mark.parametrize(
    "headers",
    [
        {"x-api-key": ADMIN_KEY + "x"},
        {"authorization": f"Bearer {ADMIN_KEY[:-1]}"},
        {"x-api-key": "salah"},
    ],
)
async def test_a_wrong_key_is_refused_before_anything_runs(
    hub: HubFactory, make_settings: Callable[..., Settings], headers: dict[str, str]
) -> None:
    async with hub(make_settings()) as client:
        response = await client.post("/graphql", json={"query": INVALIDATE}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    error = only_error(response.json())
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"].startswith("the API key sent is not recognised")
    assert ADMIN_KEY not in response.text


async def test_the_admin_key_works_as_a_bearer_token_too(
    hub: HubFactory, make_settings: Callable[..., Settings]
) -> None:
    bearer = {"authorization": f"Bearer {ADMIN_KEY}"}
    async with hub(make_settings()) as client:
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=bearer)
    assert body["data"]["invalidateCache"]["generation"] == 1


async def test_an_unknown_source_is_named_with_the_known_ones(
    hub: HubFactory, make_settings: Callable[..., Settings]
) -> None:
    async with hub(make_settings()) as client:
        body = await gql(client, INVALIDATE, {"source": "wisata"}, headers=ADMIN)
    error = only_error(body)
    assert error["message"] == "no source is named 'wisata'; expected one of: uji"
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_with_redis_down_only_this_replica_forgets_and_says_so(
    hub: HubFactory,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    private_redis: RedisServer,
) -> None:
    settings = make_settings(redis_url=private_redis.url)
    async with hub(settings) as client:
        body = await invalidate_while_redis_is_down(client, behaviour, private_redis)
        after = await names(client)
        private_redis.start()
    assert body["data"]["invalidateCache"]["everywhere"] is False
    assert after == ["Pantai Uji v2"]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([{"name": "ops", "scope": "admin", "hash": ADMIN_KEY}], "String should match"),
        ([{"name": "ops", "scope": "root", "hash": "sha256:" + "0" * 64}], "'partner' or 'admin'"),
        ([*api_keys(), {**api_keys()[0], "name": "ops-2"}], "each API key needs its own hash"),
    ],
)
def test_a_key_configured_wrongly_stops_start_up(
    make_settings: Callable[..., Settings], keys: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_settings(api_keys=keys)


async def test_an_invalidation_made_while_redis_was_down_is_not_undone_when_it_returns(
    hub_on_clock: HubFactory,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    lasting_redis: RedisServer,
) -> None:
    settings = make_settings(redis_url=lasting_redis.url)
    async with hub_on_clock(settings) as client:
        await invalidate_while_redis_is_down(client, behaviour, lasting_redis)
        assert await names(client) == ["Pantai Uji v2"]
        lasting_redis.start()  # still holding v1, under the generations it had before
        behaviour.version = 3
        clock.advance(reread_wait(settings))
        after = await names(client)
        async with hub_on_clock(settings) as started_later:  # knows only what Redis holds
            later = await names(started_later)
    assert (after, later) == (["Pantai Uji v3"], ["Pantai Uji v3"])  # never the old v1 again


async def test_a_reread_answered_late_does_not_undo_an_invalidation_made_meanwhile(
    redis_url: str, clock: FakeClock
) -> None:
    """Both wait on a Redis that hangs; the move fails first, and the reread that read the
    older generation before it must not put that generation back."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    async with Redis.from_url(redis_url) as redis, HeldProxy(redis_url) as proxy:
        await redis.set(f"{prefix}:gen:uji", 10)
        through = Redis.from_url(proxy.url)
        store = FallbackStore(RedisStore(through), MemoryStore(16), 1.0, clock.monotonic)
        generations = Generations(store, prefix, clock=clock.monotonic)
        assert await generations.current("uji") == 10
        clock.advance(REREAD_SECONDS)
        proxy.hold()
        advancing = asyncio.create_task(generations.advance("uji"))
        (move,) = await proxy.until_holding(1)
        rereading = asyncio.create_task(generations.current("uji"))
        reread = (await proxy.until_holding(2))[1]
        move.cut()
        moved = await advancing  # Redis never heard of it: this replica moves alone
        reread.cut()
        seen = await rereading
        proxy.release()
        clock.advance(1.0)  # Redis is tried again: the move is carried to it
        after = await generations.current("uji")
        await through.aclose()
        held = int(await redis.get(f"{prefix}:gen:uji") or 0)
    assert (moved, seen, after, held) == (11, 11, 12, 12)


async def test_an_invalidation_after_an_outage_reaches_every_replica(
    hub_on_clock: HubFactory,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    lasting_redis: RedisServer,
) -> None:
    settings = make_settings(redis_url=lasting_redis.url)
    wait = reread_wait(settings)
    async with hub_on_clock(settings) as asked, hub_on_clock(settings) as other:
        first = await invalidate_while_redis_is_down(asked, behaviour, lasting_redis)
        lasting_redis.start()  # still at the generation it had before the outage
        clock.advance(wait)
        assert await names(asked) == ["Pantai Uji v2"]
        behaviour.version = 3
        second = await gql(asked, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        clock.advance(wait)  # the other replica rereads, whether or not it heard the message
        seen = (await names(asked), await names(other))
    assert seen == (["Pantai Uji v3"], ["Pantai Uji v3"])
    assert first["data"]["invalidateCache"]["everywhere"] is False
    assert second["data"]["invalidateCache"]["everywhere"] is True


async def test_a_generation_redis_lost_in_a_restart_is_not_used_again(
    hub_on_clock: HubFactory,
    clock: FakeClock,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    private_redis: RedisServer,
) -> None:
    settings = make_settings(redis_url=private_redis.url)
    wait = reread_wait(settings)
    async with hub_on_clock(settings) as first:
        await names(first)
        await gql(first, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        private_redis.stop()
        private_redis.start()  # without persistence: every generation is gone
        behaviour.version = 2
        clock.advance(wait)
        assert await names(first) == ["Pantai Uji v2"]
        behaviour.version = 3
        async with hub_on_clock(settings) as started_later:
            body = await gql(started_later, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        clock.advance(wait)
        after = await names(first)
    assert body["data"]["invalidateCache"]["everywhere"] is True
    assert after == ["Pantai Uji v3"]
