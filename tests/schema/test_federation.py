"""Federation subgraph mode: ``_service`` and ``_entities`` against the reference upstreams."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, complaints_source, health_source, tourism_source
from tests.support.complaints import road_complaint, submit, wait_for_status
from tests.support.graphql import gql, only_error
from tests.support.hub_process import hub_processes
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import upstream_requests

ENTITIES = """query Entities($r: [_Any!]!) { _entities(representations: $r) { __typename
  ... on TouristSpot { id name } ... on HealthFacility { id name }
  ... on Complaint { id trackingId status } ... on ComplaintCategory { id source code name }
  ... on Dimension { id dimensionCode: code name } ... on Program { id sourceId }
  ... on Indicator { id code live } ... on District { id name } } }"""
# Objects of every entity type, each with the fields its keys are made of.
OBJECTS = """{ touristSpots(first: 40) { edges { node { id name } } }
  healthFacilities(first: 40) { edges { node { id name } } }
  complaints(first: 40) { edges { node { id trackingId status } } }
  complaintCategories { id source code name }
  dimensions { id code name programs { id sourceId indicators { id code live } }
    liveIndicators { id code live } }
  districts { id name } }"""
# The keys each type is named by, and the fields each key is made of.
KEYS: dict[str, list[list[str]]] = {
    "TouristSpot": [["id"]],
    "HealthFacility": [["id"]],
    "Complaint": [["id"], ["trackingId"]],
    "ComplaintCategory": [["id"], ["source", "code"]],
    "Dimension": [["code"], ["id"]],
    "Program": [["id"]],
    "Indicator": [["id"]],
    "District": [["name"], ["id"]],
}
# Dimension's code is an enum, ComplaintCategory's and Indicator's a String: one document
# asks for them under different names.
RENAMED = {("Dimension", "code"): "dimensionCode"}


@pytest.fixture
def federated(hub_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return hub_settings(federation=True, **overrides)

    return make


def entities(data: dict[str, Any], most: int) -> list[dict[str, Any]]:
    """The listing's objects, at most ``most`` of each type, with their __typename, as
    _entities should give them back."""
    found = [{"__typename": t, **obj} for t, obj in _listed(data)]
    kinds = [obj["__typename"] for obj in found]
    return [obj for n, obj in enumerate(found) if kinds[:n].count(kinds[n]) < most]


def _listed(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    pairs = [("TouristSpot", e["node"]) for e in data["touristSpots"]["edges"]]
    pairs += [("HealthFacility", e["node"]) for e in data["healthFacilities"]["edges"]]
    pairs += [("Complaint", e["node"]) for e in data["complaints"]["edges"]]
    pairs += [("ComplaintCategory", c) for c in data["complaintCategories"]]
    pairs += [("District", d) for d in data["districts"]]
    for dimension in data["dimensions"]:
        own = {"id": dimension["id"], "dimensionCode": dimension["code"], "name": dimension["name"]}
        pairs.append(("Dimension", own))
        for program in dimension["programs"]:
            pairs.append(("Program", {"id": program["id"], "sourceId": program["sourceId"]}))
            pairs += [("Indicator", indicator) for indicator in program["indicators"]]
        pairs += [("Indicator", indicator) for indicator in dimension["liveIndicators"]]
    return pairs


def representation(obj: dict[str, Any], key: list[str]) -> dict[str, Any]:
    kind = obj["__typename"]
    return {"__typename": kind, **{f: obj[RENAMED.get((kind, f), f)] for f in key}}


async def test_entities_by_every_key_are_the_objects_the_queries_give(
    hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    async with hub(federated()) as client:
        listed = await gql(client, OBJECTS)
        assert "errors" not in listed, listed
        expected = entities(listed["data"], most=3)
        asked = [(obj, key) for obj in expected for key in KEYS[obj["__typename"]]]
        body = await gql(client, ENTITIES, {"r": [representation(o, k) for o, k in asked]})
    assert "errors" not in body, body
    assert {obj["__typename"] for obj in expected} == set(KEYS)
    assert body["data"]["_entities"] == [obj for obj, _ in asked]


async def test_a_complaint_filed_here_is_an_entity_by_its_tracking_id(
    hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    query = """query ($r: [_Any!]!) { _entities(representations: $r) {
      ... on Complaint { trackingId sourceId deliveryStatus } } }"""
    async with hub(federated()) as client:
        filed = await submit(client, road_complaint(), key=f"federation-{uuid.uuid4().hex}")
        delivered = await wait_for_status(client, filed["trackingId"], "SUBMITTED")
        reps = [
            {"__typename": "Complaint", "trackingId": filed["trackingId"]},
            {"__typename": "Complaint", "id": delivered["id"]},  # the source's complaint
        ]
        body = await gql(client, query, {"r": reps})
    source_id = delivered["sourceId"]
    assert body == {
        "data": {
            "_entities": [
                {
                    "trackingId": filed["trackingId"],
                    "sourceId": source_id,
                    "deliveryStatus": "SUBMITTED",
                },
                {"trackingId": source_id, "sourceId": source_id, "deliveryStatus": None},
            ]
        }
    }


async def test_unknown_objects_are_null_without_an_error(
    hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    unknown = [
        {"__typename": "Complaint", "trackingId": "BPN-999999"},
        {"__typename": "ComplaintCategory", "source": "complaints", "code": "no-such-code"},
    ]
    async with hub(federated()) as client:
        body = await gql(client, ENTITIES, {"r": unknown})
    assert body == {"data": {"_entities": [None, None]}}


@pytest.mark.parametrize("kind", list(KEYS))
async def test_many_representations_cost_what_one_does_upstream(
    kind: str,
    hub: HubFactory,
    federated: Callable[..., Settings],
    demo_server: ThreadedServer,
) -> None:
    async with hub(federated()) as client:
        listed = await gql(client, OBJECTS)
    # Live indicators are computed from other domains, each from its own: not one lookup.
    found = entities(listed["data"], most=60)
    objects = [obj for obj in found if obj["__typename"] == kind and not obj.get("live")]
    assert len(objects) >= 6
    for key in KEYS[kind]:
        reps = [representation(obj, key) for obj in objects]
        one = await upstream_requests(hub, federated(), demo_server, ENTITIES, {"r": reps[:1]})
        many = await upstream_requests(hub, federated(), demo_server, ENTITIES, {"r": reps})
        assert many == one, (key, one, many)


async def test_many_complaints_are_one_upstream_call(
    hub: HubFactory, federated: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    async with hub(federated()) as client:
        listed = await gql(client, "{ complaints(first: 30) { edges { node { trackingId } } } }")
    tracking = [edge["node"]["trackingId"] for edge in listed["data"]["complaints"]["edges"]]
    reps = [{"__typename": "Complaint", "trackingId": tracking_id} for tracking_id in tracking]
    counts = await upstream_requests(hub, federated(), demo_server, ENTITIES, {"r": reps})
    assert counts == {"tourism": 0, "health": 0, "complaints": 1, "dimensions": 0}


BAD: list[tuple[Any, list[str]]] = [
    (
        {"__typename": "Hotel", "id": "x"},
        ["representations[1] has __typename 'Hotel'", "Complaint, ComplaintCategory, Dimension"],
    ),
    ({"id": "x"}, ["representations[1] has no __typename", "TouristSpot"]),
    ({"__typename": "TouristSpot", "name": "Pantai"}, ["(TouristSpot) gives no key; expected id"]),
    (
        {"__typename": "ComplaintCategory", "code": "sampah"},
        ["(ComplaintCategory) gives no key; expected id, or source and code"],
    ),
    (
        {"__typename": "Dimension", "code": "weather"},
        ["representations[1].code is 'weather'", "one of GOVERNANCE, BRANDING"],
    ),
    ({"__typename": "District", "name": 7}, ["representations[1].name is 7; expected a String"]),
    ({"__typename": "Complaint", "trackingId": ["x"]}, ["trackingId is ['x']; expected a String"]),
    ("TouristSpot", ["representations[1] is 'TouristSpot'; expected an object with __typename"]),
    ({"__typename": "TouristSpot", "id": "bm90IGFuIGlk"}, ["is not a global id this API issued"]),
    (
        {"__typename": "HealthFacility", "id": "VG91cmlzdFNwb3Q6dG91cmlzbTpw"},
        ["is the id of a TouristSpot, not of a HealthFacility"],
    ),
]


@pytest.mark.parametrize("bad,told", BAD, ids=lambda case: str(case)[:40])
async def test_a_bad_representation_is_an_error_at_its_index_that_says_what_was_expected(
    bad: Any, told: list[str], hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    good = {"__typename": "Dimension", "code": "ECONOMY"}
    async with hub(federated()) as client:
        body = await gql(client, ENTITIES, {"r": [good, bad, good]})
    error = only_error(body)
    assert error["path"] == ["_entities", 1]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert all(text in error["message"] for text in told), error["message"]
    found = body["data"]["_entities"]
    assert found[1] is None and found[0] == found[2] and found[0]["dimensionCode"] == "ECONOMY"


async def test_more_representations_than_a_page_are_refused_before_anything_runs(
    hub: HubFactory, federated: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    reps = [{"__typename": "Dimension", "code": "LIVING"}] * 6
    listed = ", ".join(['{__typename: "Dimension", code: "LIVING"}'] * 6)
    inline = f"{{ _entities(representations: [{listed}]) {{ __typename }} }}"
    async with hub(federated(max_page_size=5)) as client:
        for body in (await gql(client, ENTITIES, {"r": reps}), await gql(client, inline)):
            error = only_error(body)
            assert error["extensions"] == {
                "code": "QUERY_LIMIT_EXCEEDED",
                "limit": "max_page_size",
                "maximum": 5,
                "actual": 6,
            }
            assert "'_entities' is given 6 representations" in error["message"]
            assert "5 (max_page_size)" in error["message"]
        assert (await gql(client, ENTITIES, {"r": reps[:5]}))["data"]["_entities"][0]


async def test_representations_count_in_the_query_cost(
    hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    # Each spot resolves itself and up to 5 facilities: 20 spots cost 20 + 20 * 5 = 120.
    nearby = """query($r: [_Any!]!) { _entities(representations: $r) {
      ... on TouristSpot { nearbyHealthFacilities(first: 5) { name } } } }"""
    async with hub(federated(max_cost=100)) as client:
        spots = await gql(client, "{ touristSpots(first: 20) { edges { node { id } } } }")
        reps = [
            {"__typename": "TouristSpot", "id": edge["node"]["id"]}
            for edge in spots["data"]["touristSpots"]["edges"]
        ]
        refused = only_error(await gql(client, nearby, {"r": reps}))
        allowed = await gql(client, nearby, {"r": reps[:16]})  # 16 + 16 * 5 = 96
    assert refused["extensions"]["limit"] == "max_cost"
    assert refused["extensions"]["actual"] == 120
    assert "errors" not in allowed and len(allowed["data"]["_entities"]) == 16


@pytest.mark.parametrize(
    "query", ["{ _service { sdl } }", "{ _entities(representations: []) { __typename } }"]
)
async def test_without_federation_neither_service_nor_entities_exists(
    query: str, hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        error = only_error(await gql(client, query))
        types = await gql(client, "{ __schema { types { name } } }")
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Cannot query field '_" in error["message"]
    names = {t["name"] for t in types["data"]["__schema"]["types"]}
    assert not names & {"_Any", "_Entity", "_Service"}


async def test_the_service_sdl_is_what_kotahub_schema_prints(
    redis_url: str, demo_server: ThreadedServer, tmp_path: Path
) -> None:
    """Over real HTTP, a hub started with KOTAHUB_FEDERATION=true."""
    printed = _kotahub_schema("--federation")
    sources = [
        tourism_source(demo_server.url),
        health_source(demo_server.url),
        complaints_source(demo_server.url),
    ]
    settings = {"redis_url": redis_url, "cache_prefix": f"fed-{uuid.uuid4().hex[:8]}"}
    with hub_processes(1, sources, tmp_path, federation="true", **settings) as (url,):
        async with httpx.AsyncClient(timeout=30) as client:
            response = await client.post(f"{url}/graphql", json={"query": "{ _service { sdl } }"})
    assert response.status_code == 200
    sdl = response.json()["data"]["_service"]["sdl"]
    assert sdl + "\n" == printed
    assert '@key(fields: "id")' in sdl and "_entities(representations: [_Any!]!)" in sdl


def _kotahub_schema(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "kotahub", "schema", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout


async def test_the_service_sdl_is_refused_where_introspection_is_off(
    hub: HubFactory, federated: Callable[..., Settings]
) -> None:
    async with hub(federated(introspection=False)) as client:
        error = only_error(await gql(client, "{ _service { sdl } }"))
        spot = await gql(client, ENTITIES, {"r": [{"__typename": "Dimension", "code": "LIVING"}]})
    assert error["extensions"]["code"] == "QUERY_LIMIT_EXCEEDED"
    assert error["extensions"]["limit"] == "introspection"
    assert "kotahub schema --federation" in error["message"]
    assert spot["data"]["_entities"][0]  # the supergraph's own queries still run
