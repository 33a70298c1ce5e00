"""Unified search end to end: the hub over real HTTP to every reference upstream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql, only_error
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
        (" ".join(f"w{n}" for n in range(13)), "search text must have at most 12 terms"),
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


async def test_near_counts_the_terms_met_inside_the_circle(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    near = {**CITY_CENTRE, "radiusKm": 3}
    async with hub(hub_settings()) as client:
        found = await search(client, "puskesmas manggar", kinds=["HEALTH_FACILITY"], near=near)
    # Puskesmas Manggar meets both words but lies 16 km away: the puskesmas inside win.
    assert found["totalCount"] > 0
    assert all(n.startswith("Puskesmas") for n in names(found))
    assert all(edge["node"]["distanceKm"] <= 3 for edge in found["edges"])


async def test_results_carry_the_items_id_and_a_title_in_the_language_asked(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """{ search(text: "bus kota", first: 5) { edges { node {
      id kind title en: title(lang: EN)
      item { ... on Program { id name(lang: EN) }
             ... on Indicator { id name(lang: EN) } } } } } }"""
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    nodes = [edge["node"] for edge in body["data"]["search"]["edges"]]
    assert nodes and {n["kind"] for n in nodes} <= {"PROGRAM", "INDICATOR"}
    for node in nodes:
        assert node["id"] == node["item"]["id"]
        assert node["en"] == node["item"]["name"] != ""
        assert node["title"]


async def test_an_empty_list_of_kinds_is_refused(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, SEARCH, {"text": "pantai", "kinds": []})
    error = only_error(body)
    assert error["message"].startswith("kinds must name at least one kind")
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
