"""Tourist spots through GraphQL, end to end: hub → real HTTP → the reference GeoJSON upstream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kotahub.demo.app import TOURISM_ITEMS
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer
from tests.support.upstream import fetch_json

SPOTS = """
query Spots($filter: TouristSpotFilter, $near: NearInput, $first: Int, $after: String) {
  touristSpots(filter: $filter, near: $near, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name category categories district distanceKm location { lat lon } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def _upstream_features(demo_server: ThreadedServer) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = (
        await fetch_json(demo_server.url + TOURISM_ITEMS, limit=1000)
    )["features"]
    return features


async def test_lists_every_attraction_of_the_upstream(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    expected = {f["properties"]["name"] for f in await _upstream_features(demo_server)}
    async with hub(hub_settings()) as client:
        body = await gql(client, SPOTS, {"first": 100})
    spots = body["data"]["touristSpots"]
    assert "errors" not in body
    assert spots["totalCount"] == len(expected)
    assert {edge["node"]["name"] for edge in spots["edges"]} == expected


async def test_pages_through_with_cursors(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    names: list[str] = []
    after = None
    async with hub(hub_settings()) as client:
        while True:
            page = (await gql(client, SPOTS, {"first": 4, "after": after}))["data"]["touristSpots"]
            names += [edge["node"]["name"] for edge in page["edges"]]
            assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    assert len(names) == page["totalCount"] == len(set(names))
    assert names == sorted(names, key=str.casefold)


async def test_filters_by_category_district_and_text(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    features = await _upstream_features(demo_server)
    beaches = {f["properties"]["name"] for f in features if "beach" in f["properties"]["category"]}
    timur = {
        f["properties"]["name"]
        for f in features
        if f["properties"]["address"]["district"] == "Balikpapan Timur"
    }
    async with hub(hub_settings()) as client:
        by_category = await gql(client, SPOTS, {"filter": {"category": "Beach"}, "first": 100})
        by_district = await gql(
            client, SPOTS, {"filter": {"district": "balikpapan timur"}, "first": 100}
        )
        by_text = await gql(client, SPOTS, {"filter": {"text": "MANGGAR"}, "first": 100})
    assert beaches and timur
    assert {e["node"]["name"] for e in by_category["data"]["touristSpots"]["edges"]} == beaches
    assert {e["node"]["name"] for e in by_district["data"]["touristSpots"]["edges"]} == timur
    found = [e["node"]["name"] for e in by_text["data"]["touristSpots"]["edges"]]
    assert "Pantai Manggar Segara Sari" in found


async def test_near_orders_by_distance_within_radius(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    near = {"lat": -1.2654, "lon": 116.8312, "radiusKm": 8}
    async with hub(hub_settings()) as client:
        body = await gql(client, SPOTS, {"near": near, "first": 100})
        everything = await gql(client, SPOTS, {"first": 100})
    edges = body["data"]["touristSpots"]["edges"]
    distances = [edge["node"]["distanceKm"] for edge in edges]
    assert distances == sorted(distances)
    assert all(0 <= d <= 8 for d in distances)
    total = everything["data"]["touristSpots"]["totalCount"]
    assert 0 < len(edges) < total


async def test_spot_and_node_resolve_global_ids(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """query ($id: ID!) {
      touristSpot(id: $id) { id name }
      node(id: $id) { id ... on TouristSpot { name } }
    }"""
    async with hub(hub_settings()) as client:
        first = (await gql(client, SPOTS, {"first": 1}))["data"]["touristSpots"]["edges"][0]["node"]
        body = await gql(client, query, {"id": first["id"]})
    assert body["data"]["touristSpot"] == {"id": first["id"], "name": first["name"]}
    assert body["data"]["node"] == {"id": first["id"], "name": first["name"]}


async def test_description_follows_lang_argument_and_accept_language(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    feature = (await _upstream_features(demo_server))[0]
    texts = feature["properties"]["descriptionMap"]
    query = """query ($id: ID!) { touristSpot(id: $id) {
        default: description english: description(lang: EN) indonesian: description(lang: ID) } }"""
    async with hub(hub_settings()) as client:
        listing = await gql(client, SPOTS, {"filter": {"text": feature["properties"]["name"]}})
        spot_id = listing["data"]["touristSpots"]["edges"][0]["node"]["id"]
        plain = await gql(client, query, {"id": spot_id})
        english = await gql(
            client, query, {"id": spot_id}, headers={"Accept-Language": "en-GB,id;q=0.5"}
        )
    assert plain["data"]["touristSpot"] == {
        "default": texts["id"],
        "english": texts["en"],
        "indonesian": texts["id"],
    }
    assert english["data"]["touristSpot"]["default"] == texts["en"]


async def test_spot_fields_carry_hours_price_photos_and_meta(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """{ touristSpots(first: 100) { edges { node {
        openingHours isOpenNow ticketPrice { adult currency } eTicketUrl photos
        locationEstimated meta { source fetchedAt stale } } } } }"""
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    nodes = [edge["node"] for edge in body["data"]["touristSpots"]["edges"]]
    assert all(
        node["meta"]["source"] == "tourism" and node["meta"]["stale"] is False for node in nodes
    )
    assert all(isinstance(node["isOpenNow"], bool) for node in nodes if node["openingHours"])
    assert any(node["eTicketUrl"] for node in nodes)
    assert all(node["ticketPrice"]["currency"] == "IDR" for node in nodes if node["ticketPrice"])
    assert all(photo.startswith("http") for node in nodes for photo in node["photos"])


async def test_open_now_filter_agrees_with_is_open_now(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """query($open: Boolean) { touristSpots(filter: {openNow: $open}, first: 100) {
      edges { node { name isOpenNow } } } }"""
    async with hub(hub_settings()) as client:
        every = await gql(client, query)
        open_ = await gql(client, query, {"open": True})
        closed = await gql(client, query, {"open": False})

    def spots(body: dict[str, Any]) -> dict[str, Any]:
        return {
            e["node"]["name"]: e["node"]["isOpenNow"] for e in body["data"]["touristSpots"]["edges"]
        }

    everything = spots(every)
    assert spots(open_) == {name: True for name, now in everything.items() if now is True}
    assert spots(closed) == {name: False for name, now in everything.items() if now is False}
    assert everything and (spots(open_) or spots(closed))
