"""invalidateCache: for admins only, it drops a source's answers and every whole response."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.controlled_upstream import Behaviour
from tests.support.graphql import gql, only_error
from tests.support.redis_server import RedisServer

QUERY = "{ touristSpots { edges { node { name } } } }"
INVALIDATE = """mutation($source: String!) {
  invalidateCache(source: $source) { source generation everywhere } }"""
TOKEN = "rahasia-admin-uji"
ADMIN = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def make_settings(
    hub_settings: Callable[..., Settings], uji_source: dict[str, Any]
) -> Callable[..., Settings]:
    return lambda **extra: hub_settings(sources=[uji_source], **extra)


async def names(client: httpx.AsyncClient) -> list[str]:
    body = await gql(client, QUERY)
    return [edge["node"]["name"] for edge in body["data"]["touristSpots"]["edges"]]


async def test_an_admin_drops_the_source_and_the_responses_built_from_it(
    hub: HubFactory, make_settings: Callable[..., Settings], behaviour: Behaviour
) -> None:
    async with hub(make_settings(invalidation_token=TOKEN)) as client:
        assert await names(client) == ["Pantai Uji v1"]
        behaviour.version = 2
        assert await names(client) == ["Pantai Uji v1"]  # kept: fresh for five minutes
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        assert await names(client) == ["Pantai Uji v2"]
    done = body["data"]["invalidateCache"]
    assert done == {"source": "uji", "generation": 1, "everywhere": True}
    assert behaviour.requests() == 2


@pytest.mark.parametrize(
    ("token", "headers", "message"),
    [
        (None, ADMIN, "invalidateCache is turned off; an operator turns it on"),
        (TOKEN, {}, "invalidateCache needs the admin token"),
        (TOKEN, {"authorization": "Bearer salah"}, "invalidateCache needs the admin token"),
        (TOKEN, {"authorization": TOKEN + "x"}, "invalidateCache needs the admin token"),
    ],
)
async def test_anyone_else_is_refused(
    hub: HubFactory,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    token: str | None,
    headers: dict[str, str],
    message: str,
) -> None:
    async with hub(make_settings(invalidation_token=token)) as client:
        await names(client)
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=headers)
        await names(client)
    error = only_error(body)
    assert error["message"].startswith(message)
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert TOKEN not in str(body)
    assert behaviour.requests() == 1  # nothing was dropped


async def test_an_unknown_source_is_named_with_the_known_ones(
    hub: HubFactory, make_settings: Callable[..., Settings]
) -> None:
    async with hub(make_settings(invalidation_token=TOKEN)) as client:
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
    settings = make_settings(invalidation_token=TOKEN, redis_url=private_redis.url)
    async with hub(settings) as client:
        await names(client)
        private_redis.stop()
        behaviour.version = 2
        body = await gql(client, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        after = await names(client)
        private_redis.start()
    assert body["data"]["invalidateCache"]["everywhere"] is False
    assert after == ["Pantai Uji v2"]


@pytest.mark.parametrize("token", ["", "pendek"])
def test_an_empty_or_short_token_stops_start_up(
    make_settings: Callable[..., Settings], token: str
) -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        make_settings(invalidation_token=token)


async def test_an_invalidation_made_while_redis_was_down_is_not_undone_when_it_returns(
    hub: HubFactory,
    make_settings: Callable[..., Settings],
    behaviour: Behaviour,
    private_redis: RedisServer,
) -> None:
    settings = make_settings(invalidation_token=TOKEN, redis_url=private_redis.url)
    async with hub(settings) as client:
        await names(client)
        private_redis.stop()
        behaviour.version = 2
        await gql(client, INVALIDATE, {"source": "uji"}, headers=ADMIN)
        assert await names(client) == ["Pantai Uji v2"]
        private_redis.start()
        behaviour.version = 3
        await asyncio.sleep(5.2)  # the generations are read from Redis again
        after = await names(client)
    assert after in (["Pantai Uji v2"], ["Pantai Uji v3"])  # never the old v1 again
