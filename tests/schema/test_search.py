"""Unified search end to end: the hub over real HTTP to every reference upstream."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.demo.app import COMPLAINTS_OPEN311
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql, only_error
from tests.support.open311_client import post, report
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import listing_requests, upstream_requests

SEARCH = """
query Search($text: String!, $near: NearInput, $kinds: [SearchKind!], $first: Int,
             $after: String) {
  search(text: $text, near: $near, kinds: $kinds, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { kind score distanceKm item {
      __typename
      ... on TouristSpot { id name category }
      ... on HealthFacility { id name type }
      ... on Complaint { id trackingId }
      ... on Program { id name }
      ... on Indicator { id name }
    } } }
  }
}
"""
LISTS = """{
  touristSpots(first: 100) { edges { node { name category } } }
  healthFacilities(first: 100) { edges { node { name type } } }
}"""
CITY_CENTRE = {"lat": -1.2654, "lon": 116.8312}


async def search(client: Any, text: str, **variables: Any) -> dict[str, Any]:
    body = await gql(client, SEARCH, {"text": text, "first": 100, **variables})
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["search"]
    return found


def names(found: dict[str, Any]) -> list[str]:
    items = [edge["node"]["item"] for edge in found["edges"]]
    return [item.get("name") or item["trackingId"] for item in items]


@pytest.fixture
async def lists(hub: HubFactory, hub_settings: Callable[..., Settings]) -> dict[str, Any]:
    async with hub(hub_settings()) as client:
        body = await gql(client, LISTS)
    return {key: [edge["node"] for edge in value["edges"]] for key, value in body["data"].items()}


async def test_a_typo_finds_manggar_first_among_its_kind(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        found = await search(client, "mangar", kinds=["TOURIST_SPOT"])
        exact = await search(client, "Manggar", kinds=["TOURIST_SPOT"])
    assert names(found)[0] == "Pantai Manggar Segara Sari"
    assert names(found) == names(exact)


@pytest.mark.parametrize(
    ("text", "facility_type"),
    [
        ("RS", "HOSPITAL"),
        ("rumah sakit", "HOSPITAL"),
        ("hospital", "HOSPITAL"),
        ("pkm", "PUSKESMAS"),
        ("puskesmas", "PUSKESMAS"),
        ("Puskesmaas", "PUSKESMAS"),
        ("apotik", "PHARMACY"),
    ],
)
async def test_abbreviations_and_synonyms_put_every_facility_of_the_type_first(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    lists: dict[str, Any],
    text: str,
    facility_type: str,
) -> None:
    expected = {f["name"] for f in lists["healthFacilities"] if f["type"] == facility_type}
    async with hub(hub_settings()) as client:
        found = await search(client, text, kinds=["HEALTH_FACILITY"])
    assert expected and set(names(found)[: len(expected)]) == expected


@pytest.mark.parametrize("text", ["pantai", "beach", "BEACHES", "Pântai"])
async def test_beaches_come_first_in_either_language(
    hub: HubFactory, hub_settings: Callable[..., Settings], lists: dict[str, Any], text: str
) -> None:
    beaches = {s["name"] for s in lists["touristSpots"] if s["category"] == "beach"}
    async with hub(hub_settings()) as client:
        found = await search(client, text)
    kinds = [edge["node"]["kind"] for edge in found["edges"]]
    assert set(names(found)[: len(beaches)]) == beaches
    assert {"TOURIST_SPOT", "PROGRAM", "INDICATOR"} <= set(kinds)
    scores = [edge["node"]["score"] for edge in found["edges"]]
    assert scores == sorted(scores, reverse=True)


async def test_english_words_find_indonesian_records(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        crocodiles = await search(client, "crocodile")
        garbage = await search(client, "garbage", kinds=["COMPLAINT", "PROGRAM"])
    assert names(crocodiles)[0] == "Penangkaran Buaya Teritip"
    assert garbage["totalCount"] > 0
    assert {edge["node"]["kind"] for edge in garbage["edges"]} <= {"COMPLAINT", "PROGRAM"}


async def test_near_keeps_places_inside_the_circle_nearest_ranking_higher(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    near = {**CITY_CENTRE, "radiusKm": 4}
    async with hub(hub_settings()) as client:
        everywhere = await search(client, "pantai", kinds=["TOURIST_SPOT"])
        close = await search(client, "pantai", kinds=["TOURIST_SPOT"], near=near)
    distances = [edge["node"]["distanceKm"] for edge in close["edges"]]
    assert 0 < close["totalCount"] < everywhere["totalCount"]
    assert all(d is not None and d <= 4 for d in distances)
    beaches = [e["node"] for e in close["edges"] if e["node"]["item"]["category"] == "beach"]
    assert len(beaches) >= 2  # named alike, so the nearer ranks higher
    assert [b["distanceKm"] for b in beaches] == sorted(b["distanceKm"] for b in beaches)


async def test_pages_through_with_cursors_without_repeats(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    seen: list[str] = []
    after = None
    async with hub(hub_settings()) as client:
        whole = await search(client, "puskesmas")
        while True:
            page = await search(client, "puskesmas", first=7, after=after)
            seen += [edge["node"]["item"]["id"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    assert seen == [edge["node"]["item"]["id"] for edge in whole["edges"]]
    assert len(seen) == whole["totalCount"] == len(set(seen)) > 7


async def test_one_search_costs_what_one_listing_of_each_source_costs(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    searches = """{ a: search(text: "pantai") { totalCount }
      b: search(text: "rumah sakit mangar") { edges { node { item {
        ... on TouristSpot { nearby(first: 3) { distanceKm } } } } } }
      c: search(text: "sampah") { totalCount } }"""
    spent = await upstream_requests(hub, hub_settings(), demo_server, searches)
    assert spent == await listing_requests(hub, hub_settings, demo_server)


async def test_a_source_down_is_named_and_the_rest_is_returned(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    settings = hub_settings()
    down = tourism_source("http://127.0.0.1:9", name="province")
    settings = hub_settings(sources=[*[s.model_dump() for s in settings.sources], down])
    async with hub(settings) as client:
        body = await gql(client, SEARCH, {"text": "pantai"})
    error = only_error(body)
    assert error["path"] == ["search"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "province"}
    assert body["data"]["search"]["totalCount"] > 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "search text must contain a letter or a digit, got ''"),
        (" ?! ", "search text must contain a letter or a digit"),
        ("x" * 201, "search text must be at most 200 characters, got 201"),
        ("a b c d e f g h i j k l m", "search text must have at most 12 words, got 13"),
    ],
)
async def test_unusable_text_is_refused_with_what_was_expected(
    hub: HubFactory, hub_settings: Callable[..., Settings], text: str, message: str
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, SEARCH, {"text": text})
    error = only_error(body)
    assert error["message"].startswith(message)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"] is None


async def test_the_index_follows_the_cache_when_a_source_is_fetched_anew(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    demo_server: ThreadedServer,
    redis_url: str,
) -> None:
    word = f"kerikil{uuid.uuid4().hex[:8]}"
    settings = hub_settings()
    base = f"{demo_server.url}{COMPLAINTS_OPEN311}"
    async with hub(settings) as client:
        assert (await search(client, word))["totalCount"] == 0
        async with httpx.AsyncClient(base_url=base) as upstream:
            posted = await post(upstream, report(description=f"Jalan penuh {word} lepas"))
        assert posted.status_code in (200, 201), posted.text
        assert (await search(client, word))["totalCount"] == 0  # the cached pages still hold
        await _expire_source(redis_url, settings.cache_prefix, "complaints")
        found = await search(client, word)
    assert [edge["node"]["kind"] for edge in found["edges"]] == ["COMPLAINT"]


async def _expire_source(redis_url: str, prefix: str, source: str) -> None:
    """What the passing of the source's time to live would do, without the wait."""
    redis = Redis.from_url(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}:up:{source}:*")]
        assert keys
        await redis.delete(*keys)
    finally:
        await redis.aclose()
