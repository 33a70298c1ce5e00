"""The search index: kept while its data is unchanged, rebuilt when a source is fetched anew,
and serving searches while Redis is down."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from kotahub.demo.app import COMPLAINTS_OPEN311
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.schema.test_search import search
from tests.support.api_keys import ADMIN, api_keys
from tests.support.graphql import gql
from tests.support.open311_client import post, report
from tests.support.redis_server import RedisServer
from tests.support.servers import ThreadedServer


async def test_the_index_of_each_kind_is_built_once_while_its_data_is_unchanged(
    hub_settings: Callable[..., Settings],
) -> None:
    app = create_app(hub_settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            for text in ("pantai", "rumah sakit", "sampah"):
                await search(client, text)
            await search(client, "pantai", kinds=["TOURIST_SPOT"])
            body = await gql(client, "{ touristSpots { edges { node { nearby { kind } } } } }")
        assert "errors" not in body
        assert app.state.runtime.indexes.builds == 5  # one for each kind, whatever was asked


async def test_searches_go_on_while_redis_is_down(
    hub: HubFactory, hub_settings: Callable[..., Settings], private_redis: RedisServer
) -> None:
    async with hub(hub_settings(redis_url=private_redis.url)) as client:
        before = await search(client, "pantai")
        private_redis.stop()
        during = await search(client, "pantai")
        private_redis.start()
        after = await search(client, "pantai")
    assert before == during == after
    assert before["totalCount"] > 0


async def test_the_index_follows_the_cache_when_a_source_is_fetched_anew(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    word = f"kerikil{uuid.uuid4().hex[:8]}"
    base = f"{demo_server.url}{COMPLAINTS_OPEN311}"
    refetch = 'mutation { invalidateCache(source: "complaints") { generation } }'
    async with hub(hub_settings(api_keys=api_keys())) as client:
        assert (await search(client, word))["totalCount"] == 0
        async with httpx.AsyncClient(base_url=base) as upstream:
            form = report(description=f"Jalan penuh {word} lepas", lat="-1.2688", long="116.8305")
            posted = await post(upstream, form)
        assert posted.status_code in (200, 201), posted.text
        assert (await search(client, word))["totalCount"] == 0  # the cached pages still hold
        dropped = await gql(client, refetch, headers=ADMIN)
        assert dropped["data"]["invalidateCache"]["generation"] >= 1
        found = await search(client, word)
    assert [edge["node"]["kind"] for edge in found["edges"]] == ["COMPLAINT"]
