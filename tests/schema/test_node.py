"""``node(id:)`` for every type with an id, and ids that say what they name and never change."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest

from kotahub.demo.app import HEALTH_FHIR, TOURISM_ITEMS
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer
from tests.support.upstream import fetch_json

# These tests look at every place of the city at once, far past what one portal query may
# cost, and name every object in one query.
WHOLE_CITY: dict[str, Any] = {"max_cost": 10_000_000, "max_aliases": 1000, "max_fields": 10_000}

IDS = """{ touristSpots(first: 100) { edges { node { id name } } }
  healthFacilities(first: 100) { edges { node { id name } } }
  complaints(first: 100) { edges { node { id trackingId } } }
  complaintCategories { id code }
  dimensions { id code
    programs { id sourceId indicators { id code live } }
    liveIndicators { id code live } }
  districts { id name } }"""
SEEN = """fragment Seen on Node { __typename id
  ... on TouristSpot { name } ... on HealthFacility { name } ... on District { name }
  ... on Complaint { trackingId } ... on ComplaintCategory { code } ... on Program { sourceId }
  ... on Indicator { code live } ... on Dimension { dimension: code } }"""
Known = list[tuple[dict[str, Any], str]]  # each object as node(id:) should give it, and its raw id


def encode(raw: str | bytes) -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(global_id: str) -> str:
    return base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()


def _nodes(data: dict[str, Any], field: str) -> list[dict[str, Any]]:
    return [edge["node"] for edge in data[field]["edges"]]


def _typed(typename: str, obj: dict[str, Any], raw: str) -> tuple[dict[str, Any], str]:
    return {"__typename": typename, **obj}, raw


def _dimension_objects(dimension: dict[str, Any]) -> Known:
    """A dimension, its programs and their indicator series, and its live indicators."""
    code = dimension["code"]
    found = [
        _typed(
            "Dimension",
            {"id": dimension["id"], "dimension": code},
            f"Dimension:city:{code.lower()}",
        )
    ]
    for program in dimension["programs"]:
        own = program["sourceId"]
        found.append(
            _typed("Program", {"id": program["id"], "sourceId": own}, f"Program:dimensions:{own}")
        )
        found += [
            _typed("Indicator", i, f"Indicator:dimensions:{own}/{i['code']}")
            for i in program["indicators"]
        ]
    found += [
        _typed("Indicator", i, f"Indicator:hub:{i['code']}") for i in dimension["liveIndicators"]
    ]
    return found


def known_objects(data: dict[str, Any]) -> Known:
    """Every object of the IDS query, with the raw id its source's own ids call for (spots and
    facilities: "", their upstream ids are checked against the upstream itself)."""
    known = [_typed("TouristSpot", spot, "") for spot in _nodes(data, "touristSpots")]
    known += [_typed("HealthFacility", f, "") for f in _nodes(data, "healthFacilities")]
    known += [
        _typed("Complaint", c, f"Complaint:complaints:{c['trackingId']}")
        for c in _nodes(data, "complaints")
    ]
    known += [
        _typed("ComplaintCategory", c, f"ComplaintCategory:complaints:{c['code']}")
        for c in data["complaintCategories"]
    ]
    for dimension in data["dimensions"]:
        known += _dimension_objects(dimension)
    known += [_typed("District", d, f"District:city:{d['name']}") for d in data["districts"]]
    return known


async def all_ids(client: Any) -> dict[str, Any]:
    body = await gql(client, IDS)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def test_node_gives_back_every_kind_of_object_by_its_id(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        known = known_objects(await all_ids(client))
        fields = " ".join(
            f'n{n}: node(id: "{obj["id"]}") {{ ...Seen }}' for n, (obj, _) in enumerate(known)
        )
        body = await gql(client, f"{{ {fields} }} {SEEN}")
    assert "errors" not in body, body
    assert [body["data"][f"n{n}"] for n in range(len(known))] == [obj for obj, _ in known]
    typenames = {obj["__typename"] for obj, _ in known}
    assert len(typenames) == 8
    assert {obj["live"] for obj, _ in known if obj["__typename"] == "Indicator"} == {True, False}


async def test_ids_are_url_safe_and_name_the_type_the_source_and_its_own_id(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    features = (await fetch_json(demo_server.url + TOURISM_ITEMS, limit=1000))["features"]
    locations = (await fetch_json(demo_server.url + HEALTH_FHIR + "/Location", _count=1000))[
        "entry"
    ]
    location_ids = {f"HealthFacility:health:{e['resource']['id']}" for e in locations}
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        known = known_objects(await all_ids(client))
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", obj["id"]) for obj, _ in known)
    by_type: dict[str, set[str]] = {}
    for obj, raw in known:
        by_type.setdefault(obj["__typename"], set()).add(decode(obj["id"]))
        assert raw == "" or decode(obj["id"]) == raw, (obj, raw)
    assert by_type["TouristSpot"] == {f"TouristSpot:tourism:{f['id']}" for f in features}
    assert by_type["HealthFacility"] and by_type["HealthFacility"] <= location_ids
    assert len({obj["id"] for obj, _ in known}) == len(known)


async def test_ids_are_the_same_from_two_separately_started_hubs(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        first = await all_ids(client)
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        second = await all_ids(client)
    assert known_objects(first) == known_objects(second)
    assert len(known_objects(first)) > 100


@pytest.mark.parametrize(
    "raw",
    [
        "TouristSpot:tourism:no-such-spot",
        "TouristSpot:elsewhere:bukit-doa-kalimantan",
        "HealthFacility:health:no-such-place",
        "Complaint:complaints:BPN-999999",
        "Complaint:complaints:../services",
        "Complaint:hub:KH-NOSUCH",
        "ComplaintCategory:complaints:no-such-code",
        "Program:dimensions:no-such-program",
        "Indicator:dimensions:no-such-program/x",
        "Indicator:hub:no-such-live-indicator",
        "Dimension:city:tourism",
        "District:city:Balikpapan Pusat",
        "District:city:selatan",
        "Kelurahan:city:Damai",
    ],
)
async def test_a_well_formed_id_of_nothing_gives_null(
    hub: HubFactory, hub_settings: Callable[..., Settings], raw: str
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, "query ($id: ID!) { node(id: $id) { id } }", {"id": encode(raw)})
    assert body == {"data": {"node": None}}


async def test_a_real_id_under_another_type_name_gives_null(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        known = known_objects(await all_ids(client))
        types = sorted({obj["__typename"] for obj, _ in known})
        fields = []
        for n, (obj, _) in enumerate(known):
            _, rest = decode(obj["id"]).split(":", 1)
            other = types[(types.index(obj["__typename"]) + 1) % len(types)]
            fields.append(f'n{n}: node(id: "{encode(f"{other}:{rest}")}") {{ id }}')
        body = await gql(client, "{ " + " ".join(fields) + " }")
    assert body == {"data": {f"n{n}": None for n in range(len(known))}}


@pytest.mark.parametrize(
    "given",
    [
        "xyz",
        "",
        "!!!",
        encode("TouristSpot:tourism"),
        encode("TouristSpot::bukit-doa-kalimantan"),
        encode(":tourism:bukit-doa-kalimantan"),
        encode(b"\xff\xfe:\x80:\x81"),
    ],
)
async def test_a_malformed_id_is_refused_as_bad_input(
    hub: HubFactory, hub_settings: Callable[..., Settings], given: str
) -> None:
    async with hub(hub_settings(**WHOLE_CITY)) as client:
        body = await gql(client, "query ($id: ID!) { node(id: $id) { id } }", {"id": given})
    error = only_error(body)
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["message"].startswith(f"id {given!r} is not a global id this API issued")
    assert error["path"] == ["node"] and body["data"] == {"node": None}
