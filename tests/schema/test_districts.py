"""The six kecamatan through GraphQL: their places, complaints and complaint statistics."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import listing_requests, upstream_requests

STATS_FIELDS = """total open closed overdue closedOnTime onTimeRate medianDaysToClose
  byCategory { code name total open }"""
EVERY_FIELD = f"""{{ districts {{ id name
  touristSpots(first: 100) {{ totalCount edges {{ node {{ name }} }} }}
  healthFacilities(first: 100) {{ totalCount edges {{ node {{ name }} }} }}
  complaints(first: 100) {{ totalCount edges {{ node {{ trackingId }} }} }}
  complaintStats {{ {STATS_FIELDS} }} }} }}"""
LISTINGS = """query ($district: String!) {
  touristSpots(filter: {district: $district}, first: 100) { edges { node { name } } }
  healthFacilities(filter: {district: $district}, first: 100) { edges { node { name } } }
  complaints(filter: {district: $district}, first: 100) { edges { node { trackingId } } }
}"""
STATS_AND_LISTING = f"""{{ districts {{ name complaintStats {{ {STATS_FIELDS} }} }}
  complaints(first: 100) {{ totalCount edges {{ node {{ district status isOverdue closedOnTime
    categoryCode categoryName requestedAt updatedAt }} }} }} }}"""
ONE = "query ($name: String!) { district(name: $name) { id name } }"


def _kecamatan() -> list[str]:
    """The six kecamatan as the reference Open311 upstream's data names them."""
    text = resources.files("kotahub.demo").joinpath("data/open311.json").read_text("utf-8")
    return [entry["name"] for entry in json.loads(text)["kecamatan"]]


def _names(connection: dict[str, Any], field: str = "name") -> list[str]:
    return [edge["node"][field] for edge in connection["edges"]]


async def test_lists_the_six_kecamatan_each_with_a_node_id(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    node = "query ($id: ID!) { node(id: $id) { __typename id ... on District { name } } }"
    async with hub(hub_settings()) as client:
        body = await gql(client, "{ districts { id name } }")
        districts = body["data"]["districts"]
        nodes = [(await gql(client, node, {"id": d["id"]}))["data"]["node"] for d in districts]
    assert "errors" not in body, body
    assert [d["name"] for d in districts] == _kecamatan()
    assert nodes == [{"__typename": "District", **d} for d in districts]
    assert len({d["id"] for d in districts}) == 6


@pytest.mark.parametrize(
    "name",
    ["Balikpapan Selatan", "balikpapan selatan", "BALIKPAPAN  SELATAN", "Sélatan", "selatan"],
)
async def test_a_district_is_found_in_any_case_with_accents_or_by_its_short_name(
    hub: HubFactory, hub_settings: Callable[..., Settings], name: str
) -> None:
    async with hub(hub_settings()) as client:
        every = (await gql(client, "{ districts { id name } }"))["data"]["districts"]
        body = await gql(client, ONE, {"name": name})
    assert "errors" not in body, body
    assert body["data"]["district"] == next(d for d in every if d["name"] == "Balikpapan Selatan")


@pytest.mark.parametrize("name", ["Samarinda", "balikpapan", "", "Selatan Balikpapan"])
async def test_an_unknown_district_is_refused_naming_the_six(
    hub: HubFactory, hub_settings: Callable[..., Settings], name: str
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, ONE, {"name": name})
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["district"]
    assert all(kecamatan in error["message"] for kecamatan in _kecamatan())
    assert body["data"] == {"district": None}  # the rest of a query is still answered


async def test_places_and_complaints_are_those_the_listings_give_for_the_district(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, EVERY_FIELD)
        listed = {
            name: (await gql(client, LISTINGS, {"district": name}))["data"] for name in _kecamatan()
        }
    assert "errors" not in body, body
    for district in body["data"]["districts"]:
        expected = listed[district["name"]]
        for field in ("touristSpots", "healthFacilities"):
            assert _names(district[field]) == _names(expected[field]), (district["name"], field)
            assert district[field]["totalCount"] == len(expected[field]["edges"])
        assert _names(district["complaints"], "trackingId") == _names(
            expected["complaints"], "trackingId"
        )
    for field in ("touristSpots", "healthFacilities", "complaints"):
        assert any(d[field]["totalCount"] for d in body["data"]["districts"]), field


async def test_arguments_narrow_and_page_as_the_listings_do(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    narrowed = """query ($d: String!, $after: String) { district(name: $d) {
      touristSpots(category: "beach") { edges { node { name } } }
      healthFacilities(type: PUSKESMAS) { edges { node { name } } }
      complaints(status: OPEN, first: 2, after: $after) { totalCount
        edges { node { trackingId } } pageInfo { endCursor } } } }"""
    listed = """query ($d: String!, $after: String) {
      touristSpots(filter: {district: $d, category: "beach"}) { edges { node { name } } }
      healthFacilities(filter: {district: $d, type: PUSKESMAS}) { edges { node { name } } }
      complaints(filter: {district: $d, status: OPEN}, first: 2, after: $after) { totalCount
        edges { node { trackingId } } pageInfo { endCursor } } }"""
    seen: list[dict[str, Any]] = []
    async with hub(hub_settings()) as client:
        for name in _kecamatan():
            after = None
            for _ in range(2):  # the first page of complaints, then the next
                got = await gql(client, narrowed, {"d": name, "after": after})
                expected = (await gql(client, listed, {"d": name, "after": after}))["data"]
                assert got == {"data": {"district": expected}}, name
                after = expected["complaints"]["pageInfo"]["endCursor"]
                seen.append(expected)
    for field in ("touristSpots", "healthFacilities", "complaints"):
        assert any(page[field]["edges"] for page in seen), field
    assert any(page["complaints"]["edges"] for page in seen[1::2])  # a second page exists


def _expected_stats(complaints: list[dict[str, Any]]) -> dict[str, Any]:
    """complaintStats computed by hand from the complaints listing's own fields."""
    closed = [c for c in complaints if c["status"] == "CLOSED"]
    judged = [c["closedOnTime"] for c in closed if c["closedOnTime"] is not None]
    days = [
        (
            datetime.fromisoformat(c["updatedAt"]) - datetime.fromisoformat(c["requestedAt"])
        ).total_seconds()
        / 86400
        for c in closed
        if c["updatedAt"] and c["requestedAt"]
    ]
    kinds = Counter((c["categoryCode"], c["categoryName"]) for c in complaints)
    still_open = Counter(
        (c["categoryCode"], c["categoryName"]) for c in complaints if c["status"] == "OPEN"
    )
    ordered = sorted(kinds.items(), key=lambda pair: (-pair[1], pair[0][0] or ""))
    return {
        "total": len(complaints),
        "open": len(complaints) - len(closed),
        "closed": len(closed),
        "overdue": sum(1 for c in complaints if c["isOverdue"]),
        "closedOnTime": sum(judged),
        "onTimeRate": pytest.approx(sum(judged) / len(judged), abs=1e-4) if judged else None,
        "medianDaysToClose": pytest.approx(statistics.median(days), abs=0.006) if days else None,
        "byCategory": [
            {"code": code, "name": name, "total": total, "open": still_open[(code, name)]}
            for (code, name), total in ordered
        ],
    }


async def test_complaint_stats_agree_with_the_complaints_listing(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, STATS_AND_LISTING)
    assert "errors" not in body, body
    listing = body["data"]["complaints"]
    complaints = [edge["node"] for edge in listing["edges"]]
    assert len(complaints) == listing["totalCount"] < 100
    for district in body["data"]["districts"]:
        mine = [c for c in complaints if c["district"] == district["name"]]
        assert district["complaintStats"] == _expected_stats(mine), district["name"]
    stats = [d["complaintStats"] for d in body["data"]["districts"]]
    assert sum(s["total"] for s in stats) == len(complaints)
    assert all(s["total"] for s in stats)
    for field in ("overdue", "closedOnTime", "open"):
        assert any(s[field] for s in stats), field


async def test_six_districts_with_every_field_cost_one_listing_per_source(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    districts = await upstream_requests(hub, hub_settings(), demo_server, EVERY_FIELD)
    assert districts == await listing_requests(hub, hub_settings, demo_server) | {"dimensions": 0}
