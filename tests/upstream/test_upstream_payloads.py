"""Garbled upstream payloads become data or an upstream error on the paths that needed them.

Property-based (hypothesis). Each adapter kind is fed the reference upstreams' real sample
payloads with keys dropped, values nulled, types swapped and numbers blown up, or plain
random JSON, by a small upstream of this module's own mounted into the hub. Whatever it
gets, the hub answers 200 in GraphQL's shape: data, or an ``UPSTREAM_…`` error naming the
source; never "Internal server error", which would mean an adapter crashed on bad input.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.demo.app import (
    COMPLAINTS_OPEN311,
    DIMENSIONS_CKAN,
    HEALTH_FHIR,
    TOURISM_ITEMS,
    create_demo_app,
)
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings

UPSTREAM = "http://upstream.test"
ITEM = -1  # in a shape path: every item of a list
HUGE_FLOAT = "\x00huge float\x00"  # written as 1e400, which Python reads as inf
LONG_INT = "\x00long int\x00"  # written with 5,000 digits, past what Python reads

examples = settings(
    max_examples=30,
    deadline=None,
    database=None,  # examples depend on a live hub; nothing worth replaying is stored
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def shape_paths(value: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Every path in a JSON value, list indices as ITEM: a feature's ``properties.name`` is
    one path however many features there are."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += shape_paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for inner in value:
            found += shape_paths(inner, (*prefix, ITEM))
    return list(dict.fromkeys(found))


def containers(value: Any, path: tuple[str | int, ...]) -> Iterator[Any]:
    """The lists and objects at ``path``."""
    if not path:
        yield value
        return
    step, rest = path[0], path[1:]
    if step == ITEM and isinstance(value, list):
        for inner in value:
            yield from containers(inner, rest)
    elif isinstance(value, dict) and step in value:
        yield from containers(value[step], rest)


@dataclass(frozen=True)
class Garble:
    """One change at one shape path: the value replaced or deleted, everywhere or once."""

    at: int  # which shape path, modulo their number
    value: Any
    delete: bool
    everywhere: bool

    def apply(self, payload: Any) -> Any:
        paths = shape_paths(payload)
        path = paths[self.at % len(paths)]
        if not path:
            return None if self.delete else copy.deepcopy(self.value)
        for parent in containers(payload, path[:-1]):
            keys = _keys(parent, path[-1])
            for key in keys if self.everywhere else keys[:1]:
                if self.delete:
                    del parent[key]
                else:
                    parent[key] = copy.deepcopy(self.value)
        return payload


def _keys(parent: Any, step: str | int) -> list[Any]:
    if step == ITEM and isinstance(parent, list):
        return list(reversed(range(len(parent))))  # deleting from the end keeps the rest
    return [step] if isinstance(parent, dict) and step in parent else []


@dataclass
class Garbling:
    """What the upstream does to the answers under ``target`` now."""

    target: str = "/nothing"
    garbles: tuple[Garble, ...] = ()
    replacement: Any = None  # a whole random answer instead, when not None
    served: int = 0  # garbled answers sent

    def body(self, payload: Any) -> bytes:
        self.served += 1
        if self.replacement is not None:
            payload = copy.deepcopy(self.replacement)
        for garble in self.garbles:
            payload = garble.apply(payload)
        if payload is None:
            return b""
        text = json.dumps(payload)
        text = text.replace(json.dumps(HUGE_FLOAT), "1e400")
        return text.replace(json.dumps(LONG_INT), "9" * 5000).encode()


def garbling_upstream(garbling: Garbling) -> Starlette:
    """The reference upstreams' answers, recorded once, garbled under the target."""
    demo = create_demo_app()
    recorded: dict[str, tuple[int, bytes]] = {}

    async def answer(request: Request) -> Response:
        asked = f"{request.url.path}?{request.url.query}"
        if asked not in recorded:
            transport = httpx.ASGITransport(app=demo)
            async with httpx.AsyncClient(transport=transport, base_url=UPSTREAM) as http:
                real = await http.get(asked)
            recorded[asked] = (real.status_code, real.content)
        status, content = recorded[asked]
        if status == 200 and request.url.path.startswith(garbling.target):
            content = garbling.body(json.loads(content))
        return Response(content, status, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer)])


QUERIES = {
    "tourism": """{ touristSpots(first: 30) { totalCount edges { node {
      id name category categories district address description openingHours isOpenNow
      ticketPrice { adult child currency } eTicketUrl photos location { lat lon } } } } }""",
    "health": """{ healthFacilities(first: 50) { totalCount edges { node {
      id name type district address phone openingHours isOpenNow emergency organization
      location { lat lon } services { name categories types openingHours phone } } } } }""",
    "complaints": """{ complaintCategories { code name description keywords
      questions { code datatype required choices { key name } } }
      complaints(first: 50) { totalCount edges { node { trackingId categoryName status
      statusNotes agency requestedAt updatedAt expectedAt isOverdue address district
      location { lat lon } } } } }""",
    "dimensions": """{ dimensions { code programs { name description agency links tags
      indicators { code name unit target latest { period value } series { period value }
      trend improving meetsTarget higherIsBetter frequency dataSource sample } } } }""",
}
KINDS = {"tourism": "geojson", "health": "fhir-r4", "complaints": "open311", "dimensions": "ckan"}
BASES = {
    "tourism": TOURISM_ITEMS,
    "health": HEALTH_FHIR,
    "complaints": COMPLAINTS_OPEN311,
    "dimensions": DIMENSIONS_CKAN,
}
TARGETS = {
    "geojson items": ("tourism", TOURISM_ITEMS),
    "fhir metadata": ("health", f"{HEALTH_FHIR}/metadata"),
    "fhir Location bundle": ("health", f"{HEALTH_FHIR}/Location"),
    "open311 services": ("complaints", f"{COMPLAINTS_OPEN311}/services.json"),
    "open311 service definitions": ("complaints", f"{COMPLAINTS_OPEN311}/services/"),
    "open311 requests": ("complaints", f"{COMPLAINTS_OPEN311}/requests.json"),
    "ckan package_search": ("dimensions", f"{DIMENSIONS_CKAN}/api/3/action/package_search"),
    "ckan datastore_search": ("dimensions", f"{DIMENSIONS_CKAN}/api/3/action/datastore_search"),
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, -(2**31) - 1, 2**53 + 1, 10**30, 10**400]),
    st.floats(),
    st.sampled_from([HUGE_FLOAT, LONG_INT, "", " ", "null", "12", "-1.5", "2024-13-45T25:61:00Z"]),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)
garbles = st.builds(
    Garble,
    at=st.integers(min_value=0, max_value=10_000),
    value=json_values,
    delete=st.booleans(),
    everywhere=st.booleans(),
)
changes = st.one_of(
    st.tuples(st.lists(garbles, min_size=1, max_size=4).map(tuple), st.none()),
    st.tuples(st.lists(garbles, max_size=1).map(tuple), json_values),
)


@pytest.fixture
def garbling() -> Garbling:
    return Garbling()


@pytest.fixture
async def client(
    hub_settings: Callable[..., Settings], garbling: Garbling
) -> AsyncIterator[httpx.AsyncClient]:
    """A hub on the garbling upstream: no caches (each example is fetched afresh), no
    retries, and breakers that stay closed however often the answers are bad."""
    sources = [
        {
            "name": name,
            "kind": KINDS[name],
            "base_url": f"{UPSTREAM}{BASES[name]}",
            "retries": 0,
            "breaker_failures": 1000,
        }
        for name in KINDS
    ]
    settings = hub_settings(
        sources=sources,
        upstream_cache=False,
        response_cache=False,
        rate_limits={"enabled": False},
    )
    app = create_app(settings, mounts={UPSTREAM: httpx.ASGITransport(garbling_upstream(garbling))})
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


@pytest.mark.parametrize("target", TARGETS.values(), ids=TARGETS.keys())
@given(change=changes)
@examples
async def test_a_garbled_payload_is_data_or_an_upstream_error(
    client: httpx.AsyncClient,
    garbling: Garbling,
    target: tuple[str, str],
    change: tuple[tuple[Garble, ...], Any],
) -> None:
    source, path = target
    garbling.target, (garbling.garbles, garbling.replacement) = path, change
    served = garbling.served
    response = await client.post("/graphql", json={"query": QUERIES[source]})
    assert garbling.served > served, "the garbled answer was never asked for"
    assert response.status_code == 200, response.text
    body = response.json()
    errors = body.get("errors") or []
    for error in errors:
        assert error["message"] != "Internal server error", (error, change)
        assert error["extensions"]["code"].startswith("UPSTREAM_"), (error, change)
        assert error["extensions"]["source"] == source, (error, change)
        assert "Traceback" not in error["message"] and 'File "' not in error["message"]
    event(" ".join(sorted({e["extensions"]["code"] for e in errors})) or "data")
    if not errors:
        assert body["data"] is not None


SPOT = {"type": "Feature", "id": "a", "properties": {"name": "Pantai A"}}
LOCATION = {"resourceType": "Location", "id": "x", "name": "RS X"}
# Values each of which once crashed an adapter ("Internal server error"), per target.
CRASHED = {
    "geojson items": {
        "type": "FeatureCollection",
        "features": [
            SPOT | {"geometry": {"type": "Point", "coordinates": [10**400, -1.2]}},
            SPOT | {"properties": {"name": "B", "ticketPrice": HUGE_FLOAT, "image": "http://["}},
            SPOT | {"properties": {"name": "C", "ticketPrice": {"adult": 10**30}}},
        ],
        "links": [{"rel": "next", "href": "http://upstream.test:port/"}],
    },
    "fhir metadata": {
        "resourceType": "CapabilityStatement",
        "rest": [{"resource": [{"type": "Location", "searchParam": 5, "searchInclude": 7}]}],
    },
    "fhir Location bundle": {
        "resourceType": "Bundle",
        "link": 5,
        "entry": [
            {"search": [], "resource": LOCATION | {"status": ["active"], "telecom": 7}},
            {
                "resource": LOCATION
                | {
                    "id": "y",
                    "position": {"latitude": 10**400, "longitude": 116.8},
                    "hoursOfOperation": [None, 5],
                    "alias": 3,
                    "extension": 1,
                    "address": ["Jl. A"],
                    "type": {"coding": 5},
                }
            },
            {"resource": {"resourceType": "HealthcareService", "id": "s", "location": 5}},
            {"resource": {"resourceType": ["Location"], "id": "z"}},
        ],
    },
    "open311 services": [{}, {"service_code": 7, "service_name": "Jalan"}],
    "open311 service definitions": {"attributes": [{"values": 5, "order": HUGE_FLOAT}, 5]},
    "open311 requests": [{"service_request_id": "1", "lat": 10**400, "long": "116.8"}],
    "ckan package_search": {"success": True, "result": {"results": 5, "count": "many"}},
    "ckan datastore_search": {
        "success": True,
        "result": {
            "records": [{"program": "p", "indicator": "i", "value": 10**400, "target": 10**400}],
            "_links": [],
        },
    },
}


@pytest.mark.parametrize("target", CRASHED, ids=CRASHED.keys())
async def test_values_that_once_crashed_an_adapter_are_answered(
    client: httpx.AsyncClient, garbling: Garbling, target: str
) -> None:
    source, garbling.target = TARGETS[target]
    garbling.replacement = CRASHED[target]
    response = await client.post("/graphql", json={"query": QUERIES[source]})
    assert garbling.served
    assert response.status_code == 200, response.text
    for error in response.json().get("errors") or []:
        assert error["extensions"]["code"].startswith("UPSTREAM_"), error


WRONG_SHAPES = {
    "geojson items": (
        {
            "type": "FeatureCollection",
            "features": [],
            "links": [{"rel": "next", "href": "http://["}],
        },
        "a link on the page is not a URL",
    ),
    "fhir Location bundle": (
        {"resourceType": "Bundle", "entry": 5},
        "'entry' should be an array of Bundle entries, got int",
    ),
    "ckan package_search": (
        {"success": True, "result": {"results": {"name": "p"}}},
        "'results' should be an array of datasets, got dict",
    ),
    "ckan datastore_search": (
        {"success": True, "result": {"records": "none"}},
        "'records' should be an array of DataStore records, got str",
    ),
}


@pytest.mark.parametrize("target", WRONG_SHAPES, ids=WRONG_SHAPES.keys())
async def test_an_answer_of_the_wrong_shape_is_explained(
    client: httpx.AsyncClient, garbling: Garbling, target: str
) -> None:
    source, garbling.target = TARGETS[target]
    garbling.replacement, explanation = WRONG_SHAPES[target]
    response = await client.post("/graphql", json={"query": QUERIES[source]})
    errors = response.json()["errors"]
    assert {error["extensions"]["code"] for error in errors} == {"UPSTREAM_BAD_PAYLOAD"}
    assert f"source '{source}': {explanation}" in errors[0]["message"], errors
