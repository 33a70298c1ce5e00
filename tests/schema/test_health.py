"""Health facilities through GraphQL, end to end over real HTTP to the reference FHIR server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from kotahub.demo.fhir_store import DATA_FILE
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, health_source, tourism_source
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer

FACILITIES = """
query ($filter: HealthFacilityFilter, $near: NearInput, $first: Int) {
  healthFacilities(filter: $filter, near: $near, first: $first) {
    totalCount
    edges { node { id name type district emergency isOpenNow openingHours distanceKm
                   services { name emergency } meta { source } } }
  }
}
"""
DATA = json.loads(DATA_FILE.read_text())


def _nodes(body: dict[str, Any]) -> list[dict[str, Any]]:
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"]["healthFacilities"]["edges"]]


def _names_with_local_type(code: str) -> set[str]:
    return {
        loc["name"]
        for loc in DATA["Location"]
        if loc.get("status") == "active"
        and "partOf" not in loc
        and any(c.get("code") == code for t in loc.get("type", []) for c in t.get("coding", []))
    }


@pytest.fixture
async def find(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> AsyncIterator[Callable[..., Awaitable[list[dict[str, Any]]]]]:
    """Runs healthFacilities with a filter on a live hub and returns the nodes."""
    async with hub(hub_settings()) as client:

        async def run(**wanted: Any) -> list[dict[str, Any]]:
            return _nodes(await gql(client, FACILITIES, {"filter": wanted, "first": 100}))

        yield run


async def test_filter_by_type_and_district(find: Callable[..., Awaitable[list[Any]]]) -> None:
    puskesmas = await find(type="PUSKESMAS")
    timur = await find(district="balikpapan timur", type="PUSKESMAS")
    assert {n["name"] for n in puskesmas} == _names_with_local_type("puskesmas")
    assert {n["name"] for n in timur} == {
        "Puskesmas Manggar",
        "Puskesmas Manggar Baru",
        "Puskesmas Lamaru",
        "Puskesmas Teritip",
    }


async def test_filter_by_emergency_service_and_text(
    find: Callable[..., Awaitable[list[Any]]],
) -> None:
    emergency = await find(emergency=True)
    labs = await find(service="laboratorium")
    named = await find(text="kanujoso")
    assert _names_with_local_type("rumah-sakit") <= {n["name"] for n in emergency}
    assert all(n["emergency"] for n in emergency)
    assert labs and all(
        any("lab" in s["name"].lower() for s in n["services"]) or n["type"] == "LABORATORY"
        for n in labs
    )
    assert [n["name"] for n in named] == ["RSUD dr. Kanujoso Djatiwibowo"]


async def test_open_now_filter_agrees_with_is_open_now(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """{
      all: healthFacilities(first: 100) { edges { node { name isOpenNow openingHours } } }
      open: healthFacilities(filter: {openNow: true}, first: 100) { edges { node { name } } }
      closed: healthFacilities(filter: {openNow: false}, first: 100) { edges { node { name } } }
    }"""  # one request: one moment for all three
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    everything = [e["node"] for e in body["data"]["all"]["edges"]]
    open_now = {e["node"]["name"] for e in body["data"]["open"]["edges"]}
    closed = {e["node"]["name"] for e in body["data"]["closed"]["edges"]}
    assert open_now == {n["name"] for n in everything if n["isOpenNow"] is True}
    assert closed == {n["name"] for n in everything if n["isOpenNow"] is False}
    assert any(n["openingHours"] is None for n in everything)  # in neither list
    assert any(n["openingHours"] == "24/7" and n["isOpenNow"] for n in everything)


async def test_nearest_care_is_ordered_by_distance(
    hub: HubFactory, hub_settings: Callable[..., Settings], health_log: Any
) -> None:
    near = {"lat": -1.2654, "lon": 116.8312, "radiusKm": 3}
    async with hub(hub_settings()) as client:
        nodes = _nodes(await gql(client, FACILITIES, {"near": near, "first": 100}))
    distances = [n["distanceKm"] for n in nodes]
    assert nodes and distances == sorted(distances) and distances[-1] <= 3
    assert any("near=" in query for _, _, query in health_log.requests)


async def test_twenty_spots_share_one_upstream_search(
    hub: HubFactory, hub_settings: Callable[..., Settings], health_log: Any
) -> None:
    query = """{ touristSpots(first: 20) { edges { node { name
        nearbyHealthFacilities(radiusKm: 10, first: 3) { name type distanceKm } } } } }"""
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    spots = [edge["node"] for edge in body["data"]["touristSpots"]["edges"]]
    assert len(spots) == 20 and "errors" not in body
    assert sum(bool(spot["nearbyHealthFacilities"]) for spot in spots) >= 15
    assert all(
        [f["distanceKm"] for f in spot["nearbyHealthFacilities"]]
        == sorted(f["distanceKm"] for f in spot["nearbyHealthFacilities"])
        for spot in spots
    )
    assert health_log.count("/Location") == 1


async def test_nearby_type_filter_and_bad_radius(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """query ($r: Float!) { touristSpots(first: 3) { edges { node {
        nearbyHealthFacilities(radiusKm: $r, type: HOSPITAL) { type } } } } }"""
    async with hub(hub_settings()) as client:
        good = await gql(client, query, {"r": 15})
        bad = await gql(client, query, {"r": 0})
    found = [
        f
        for e in good["data"]["touristSpots"]["edges"]
        for f in e["node"]["nearbyHealthFacilities"]
    ]
    assert found and all(f["type"] == "HOSPITAL" for f in found)
    assert bad["errors"][0]["message"].startswith("radiusKm must be above 0")


async def test_facility_and_node_round_trip(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """query ($id: ID!) { healthFacility(id: $id) { id name }
        node(id: $id) { id ... on HealthFacility { name type } } }"""
    async with hub(hub_settings()) as client:
        first = _nodes(await gql(client, FACILITIES, {"first": 1}))[0]
        body = await gql(client, query, {"id": first["id"]})
    assert body["data"]["healthFacility"] == {"id": first["id"], "name": first["name"]}
    assert body["data"]["node"] == {"id": first["id"], "name": first["name"], "type": first["type"]}


async def test_health_down_leaves_tourism_served(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    sources = [tourism_source(demo_server.url), health_source("http://127.0.0.1:9")]
    query = "{ touristSpots(first: 2) { totalCount } healthFacilities { totalCount } }"
    async with hub(hub_settings(sources=sources)) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert error["path"] == ["healthFacilities"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "health"}
    assert body["data"]["touristSpots"]["totalCount"] > 0


async def test_emergency_contacts_in_both_languages(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = "{ emergencyContacts { service number name en: name(lang: EN) description } }"
    custom = [
        {"service": "bpbd", "number": "0542 000", "name_id": "BPBD", "name_en": "Disaster agency"}
    ]
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    async with hub(hub_settings(emergency_contacts=custom)) as client:
        configured = await gql(client, query)
    contacts = body["data"]["emergencyContacts"]
    assert contacts[0]["number"] == "112" and contacts[0]["service"] == "general"
    assert {c["number"] for c in contacts} >= {"112", "110", "113", "119"}
    assert all(c["name"] != c["en"] for c in contacts)
    assert configured["data"]["emergencyContacts"] == [
        {
            "service": "bpbd",
            "number": "0542 000",
            "name": "BPBD",
            "en": "Disaster agency",
            "description": None,
        }
    ]
