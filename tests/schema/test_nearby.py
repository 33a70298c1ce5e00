"""``nearby`` on every place, checked against distances computed here from the listings."""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import listing_requests, upstream_requests

# These tests look at every place of the city at once, far past what one portal query may
# cost, and name every object in one query.
WHOLE_CITY: dict[str, Any] = {"max_cost": 10_000_000, "max_aliases": 1000, "max_fields": 10_000}

Places = dict[str, tuple[str, float, float]]  # global id → (kind, lat, lon)
LISTS = ("touristSpots", "healthFacilities", "complaints")
KIND_OF = {"TouristSpot": "TOURIST_SPOT", "HealthFacility": "HEALTH_FACILITY"}
HITS = """kind distanceKm item { __typename ... on TouristSpot { id distanceKm }
  ... on HealthFacility { id distanceKm } ... on Complaint { id } }"""
ALL = f"""query ($kinds: [PlaceKind!], $r: Float!, $first: Int!) {{
  touristSpots(first: 100) {{ edges {{ node {{ id location {{ lat lon }}
    nearby(kinds: $kinds, radiusKm: $r, first: $first) {{ {HITS} }} }} }} }}
  healthFacilities(first: 100) {{ edges {{ node {{ id location {{ lat lon }}
    nearby(kinds: $kinds, radiusKm: $r, first: $first) {{ {HITS} }} }} }} }}
  complaints(first: 100) {{ edges {{ node {{ id location {{ lat lon }}
    nearby(kinds: $kinds, radiusKm: $r, first: $first) {{ {HITS} }} }} }} }} }}"""
OLDER = f"""{{ complaints(filter: {{since: "2000-01-01T00:00:00Z"}}, first: 100) {{ totalCount
  edges {{ node {{ id trackingId location {{ lat lon }}
    nearby(radiusKm: 2) {{ {HITS} }} }} }} }} }}"""
ALONE = (
    f"query ($t: String!) {{ complaint(trackingId: $t) {{ nearby(radiusKm: 2) {{ {HITS} }} }} }}"
)
PLACES = """{ touristSpots(first: 100) { edges { node { id location { lat lon } } } }
  healthFacilities(first: 100) { edges { node { id location { lat lon } } } }
  complaints(first: 100) { edges { node { id location { lat lon } } } } }"""
DEFAULTS = ALL.replace("nearby(kinds: $kinds, radiusKm: $r, first: $first)", "nearby")
DEFAULTS = DEFAULTS.replace("query ($kinds: [PlaceKind!], $r: Float!, $first: Int!)", "")


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lat2 = math.radians(a[0]), math.radians(b[0])
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def places_of(data: dict[str, Any]) -> tuple[Places, list[dict[str, Any]]]:
    """Every listed place with its kind and position, and the listed nodes that have one
    (a place without a position has nothing around it)."""
    places: Places = {}
    nodes: list[dict[str, Any]] = []
    for field, kind in zip(LISTS, ("TOURIST_SPOT", "HEALTH_FACILITY", "COMPLAINT"), strict=True):
        assert 0 < len(data[field]["edges"]) < 100  # every place of the source, on one page
        for edge in data[field]["edges"]:
            node = edge["node"]
            if node["location"]:
                nodes.append(node)
                places[node["id"]] = (kind, node["location"]["lat"], node["location"]["lon"])
            else:
                assert node.get("nearby", []) == [], node
    return places, nodes


def readable(global_id: str) -> str:
    return base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()


def distance(places: Places, a: str, b: str) -> float:
    return haversine_km(places[a][1:], places[b][1:])


def expected_distances(
    places: Places, origin: str, radius: float, kinds: list[str] | None
) -> list[float]:
    """Brute force: every other place of the kinds asked for within the radius, nearest first."""
    found = (
        distance(places, origin, other)
        for other, (kind, _, _) in places.items()
        if other != origin and (kinds is None or kind in kinds)
    )
    return sorted(d for d in found if d <= radius)


def check(places: Places, origin: str, hits: list[dict[str, Any]], expected: list[float]) -> None:
    """The hits are the nearest of the expected places, each at its true distance, kind right."""
    ids = [hit["item"]["id"] for hit in hits]
    assert origin not in ids and len(set(ids)) == len(ids)
    assert [hit["distanceKm"] for hit in hits] == pytest.approx(expected, abs=1e-9)
    for hit in hits:
        item = hit["item"]
        assert hit["kind"] == places[item["id"]][0] == KIND_OF.get(item["__typename"], "COMPLAINT")
        assert hit["distanceKm"] == pytest.approx(distance(places, origin, item["id"]), abs=1e-9)
        assert item.get("distanceKm", hit["distanceKm"]) == hit["distanceKm"]


@pytest.mark.parametrize(
    ("kinds", "radius"),
    [
        (None, 0.5),
        (None, 1.5),
        (["TOURIST_SPOT"], 4.0),
        (["HEALTH_FACILITY", "COMPLAINT"], 1.2),
        (["COMPLAINT"], 30.0),
        (["TOURIST_SPOT"], 500.0),
    ],
)
async def test_every_place_finds_what_brute_force_finds(
    hub: HubFactory, hub_settings: Callable[..., Settings], kinds: list[str] | None, radius: float
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, ALL, {"kinds": kinds, "r": radius, "first": 100})
    assert "errors" not in body, body
    places, nodes = places_of(body["data"])
    for node in nodes:
        assert len(node["nearby"]) < 100  # so nothing was cut off
        check(
            places,
            node["id"],
            node["nearby"],
            expected_distances(places, node["id"], radius, kinds),
        )
    assert sum(1 for node in nodes if node["nearby"]) > len(nodes) / 2


async def test_by_default_the_ten_nearest_within_one_kilometre(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, DEFAULTS)
    assert "errors" not in body, body
    places, nodes = places_of(body["data"])
    expected = {node["id"]: expected_distances(places, node["id"], 1.0, None) for node in nodes}
    for node in nodes:
        check(places, node["id"], node["nearby"], expected[node["id"]][:10])
    assert any(len(found) > 10 for found in expected.values())  # the limit was needed


@pytest.mark.parametrize("first", [0, 1, 3, 100])
async def test_first_keeps_that_many_of_the_nearest(
    hub: HubFactory, hub_settings: Callable[..., Settings], first: int
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, ALL, {"r": 5.0, "first": first})
    assert "errors" not in body, body
    places, nodes = places_of(body["data"])
    expected = {node["id"]: expected_distances(places, node["id"], 5.0, None) for node in nodes}
    for node in nodes:
        check(places, node["id"], node["nearby"], expected[node["id"]][:first])
    assert any(len(within) > 3 for within in expected.values())  # so 0, 1 and 3 cut lists


def edge_query(reached: list[tuple[str, str, float]]) -> str:
    """One spot's nearby once per neighbour: that neighbour's kind, a circle just reaching it."""
    fields = " ".join(
        f"n{n}: nearby(kinds: [{kind}], radiusKm: {radius!r}, first: 100) {{ item {{ "
        "...on TouristSpot { id } ...on HealthFacility { id } ...on Complaint { id } } }"
        for n, (_, kind, radius) in enumerate(reached)
    )
    return f"query ($id: ID!) {{ touristSpot(id: $id) {{ id {fields} }} }}"


async def test_a_place_at_exactly_the_radius_is_inside_the_circle(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    """For each spot, a circle just reaching a neighbour (up to 2 km away) must hold it."""
    missed: list[tuple[str, str, float]] = []
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        places, _ = places_of((await gql(client, PLACES))["data"])
        for spot in [place for place, facts in places.items() if facts[0] == "TOURIST_SPOT"]:
            reached = [
                (other, places[other][0], distance(places, spot, other) + 1e-9)
                for other in sorted(places.keys() - {spot})
                if distance(places, spot, other) < 2
            ]
            found = (await gql(client, edge_query(reached), {"id": spot}))["data"]["touristSpot"]
            missed += [
                (readable(spot), readable(other), radius)
                for n, (other, _, radius) in enumerate(reached)
                if other not in {hit["item"]["id"] for hit in found[f"n{n}"]}
            ]
    assert missed == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("radiusKm: 0", "radiusKm must be above 0 and at most 500, got 0"),
        ("radiusKm: -1.5", "radiusKm must be above 0 and at most 500, got -1.5"),
        ("radiusKm: 500.5", "radiusKm must be above 0 and at most 500, got 500.5"),
        ("first: -1", "'first' must be between 0 and 100, got -1"),
    ],
)
async def test_arguments_out_of_range_are_refused(
    hub: HubFactory, hub_settings: Callable[..., Settings], arguments: str, message: str
) -> None:
    query = (
        f"{{ touristSpots(first: 1) {{ edges {{ node {{ nearby({arguments}) {{ kind }} }} }} }} }}"
    )
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert message in error["message"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["path"] == ["touristSpots", "edges", 0, "node", "nearby"]


async def test_a_page_over_the_maximum_is_refused_before_anything_runs(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = "{ touristSpots(first: 1) { edges { node { nearby(first: 101) { kind } } } } }"
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert error["message"].startswith("'nearby' asks for a page of 101; the most one page")
    assert error["extensions"] == {
        "code": "QUERY_LIMIT_EXCEEDED",
        "limit": "max_page_size",
        "maximum": 100,
        "actual": 101,
    }
    assert "data" not in body


async def test_a_complaint_sees_around_it_alone_as_in_a_list_older_ones_too(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        places, _ = places_of((await gql(client, PLACES))["data"])
        listing = (await gql(client, OLDER))["data"]["complaints"]
        nodes = [edge["node"] for edge in listing["edges"]]
        singles = [
            (await gql(client, ALONE, {"t": node["trackingId"]}))["data"]["complaint"]
            for node in nodes[::5]
        ]
    recent = sum(1 for kind, _, _ in places.values() if kind == "COMPLAINT")
    assert recent < len(nodes) == listing["totalCount"]  # older complaints are listed too
    for node in nodes:
        point = (node["location"]["lat"], node["location"]["lon"])
        known = {**places, node["id"]: ("COMPLAINT", *point)}
        check(
            known, node["id"], node["nearby"], expected_distances(known, node["id"], 2, None)[:10]
        )
    assert singles == [{"nearby": node["nearby"]} for node in nodes[::5]]


async def test_every_place_of_a_list_asking_nearby_costs_one_listing_per_source(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    variables = {"r": 3.0, "first": 5}
    nearby = await upstream_requests(hub, hub_settings(**WHOLE_CITY), demo_server, ALL, variables)
    assert nearby == await listing_requests(hub, hub_settings, demo_server) | {"dimensions": 0}
