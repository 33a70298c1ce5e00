"""Failing sources turn into errors on the paths that needed them; the rest is served."""

from __future__ import annotations

from collections.abc import Callable

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer

QUERY = "{ touristSpots(first: 50) { totalCount edges { node { name meta { source } } } } }"


async def test_upstream_down_errors_on_its_path(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings(sources=[tourism_source("http://127.0.0.1:9")])
    async with hub(settings) as client:
        body = await gql(client, QUERY)
    error = only_error(body)
    assert error["path"] == ["touristSpots"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "tourism"}
    assert error["message"].startswith("source 'tourism': GET ")
    assert body["data"]["touristSpots"] == {"totalCount": 0, "edges": []}


async def test_one_source_down_leaves_the_others_served(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    down = tourism_source("http://127.0.0.1:9", name="province")
    settings = hub_settings(sources=[tourism_source(demo_server.url), down])
    async with hub(settings) as client:
        body = await gql(client, QUERY)
    assert only_error(body)["extensions"]["source"] == "province"
    nodes = [edge["node"] for edge in body["data"]["touristSpots"]["edges"]]
    assert nodes and all(node["meta"]["source"] == "tourism" for node in nodes)


async def test_slow_upstream_times_out_with_its_own_timeout(
    hub: HubFactory, hub_settings: Callable[..., Settings], misbehaving_server: ThreadedServer
) -> None:
    slow = {
        "name": "slow",
        "kind": "geojson",
        "base_url": misbehaving_server.url + "/slow",
        "timeout_seconds": 0.3,
    }
    async with hub(hub_settings(sources=[slow])) as client:
        body = await gql(client, QUERY)
    error = only_error(body)
    assert error["extensions"] == {"code": "UPSTREAM_TIMEOUT", "source": "slow"}
    assert "within 0.3s" in error["message"]


async def test_garbage_answers_are_named_not_crashes(
    hub: HubFactory, hub_settings: Callable[..., Settings], misbehaving_server: ThreadedServer
) -> None:
    sources = [
        {"name": "html", "kind": "geojson", "base_url": misbehaving_server.url + "/not-json"},
        {
            "name": "feature",
            "kind": "geojson",
            "base_url": misbehaving_server.url + "/not-a-collection",
        },
    ]
    async with hub(hub_settings(sources=sources)) as client:
        body = await gql(client, QUERY)
    errors = {error["extensions"]["source"]: error for error in body["errors"]}
    assert errors["html"]["extensions"]["code"] == "UPSTREAM_BAD_PAYLOAD"
    assert "not valid JSON (text/html" in errors["html"]["message"]
    assert "expected a GeoJSON FeatureCollection" in errors["feature"]["message"]


async def test_single_spot_lookup_on_a_down_source_is_null_with_error(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings(sources=[tourism_source("http://127.0.0.1:9")])
    spot_id = "VG91cmlzdFNwb3Q6dG91cmlzbTpwYW50YWktbGFtYXJ1"  # TouristSpot:tourism:pantai-lamaru
    async with hub(settings) as client:
        body = await gql(
            client, "query ($id: ID!) { touristSpot(id: $id) { name } }", {"id": spot_id}
        )
    assert body["data"] == {"touristSpot": None}
    error = only_error(body)
    assert error["path"] == ["touristSpot"]
    assert error["extensions"]["code"] == "UPSTREAM_UNAVAILABLE"
