"""Positions outside the city's bounds are flagged beside the location, a likely swap of
latitude and longitude named as such; the source's own labels are shown in ``meta``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from kotahub.hub.settings import Settings
from kotahub.records import Provenance
from kotahub.schema.common import SourceMeta
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer
from tests.support.static_upstream import static_upstream

# Columbus, Ohio: west, south, east, north. Its longitude (-83) is a latitude on the globe,
# so a swapped pair still reads as a position: in Antarctica.
COLUMBUS = (-83.2, 39.8, -82.8, 40.1)
SPOTS = """{ touristSpots(first: 50) { edges { node {
    name location { lat lon } locationDoubt meta { source tags } } } } }"""
COMPLAINTS = "{ complaints(first: 50) { edges { node { sourceId locationDoubt } } } }"


def _spot(ident: str, lon: float, lat: float) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    properties = {"name": ident}
    return {"type": "Feature", "id": ident, "geometry": geometry, "properties": properties}


def _request(ident: str, lat: Any, long: Any) -> dict[str, Any]:
    return {
        "service_request_id": ident,
        "status": "open",
        "service_code": "pothole",
        "requested_datetime": "2024-05-20T09:00:00-04:00",
        "lat": lat,
        "long": long,
    }


async def _nodes(client: Any, query: str, field: str) -> list[dict[str, Any]]:
    body = await gql(client, query)
    assert "errors" not in body, body
    return [edge["node"] for edge in body["data"][field]["edges"]]


async def test_places_outside_the_city_are_flagged(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    samarinda = {"type": "FeatureCollection", "features": [_spot("Mahakam", 117.15, -0.50)]}
    with static_upstream({"/items": samarinda}) as upstream:
        foreign = {"name": "samarinda", "kind": "geojson", "base_url": f"{upstream.url}/items"}
        settings = hub_settings(sources=[tourism_source(demo_server.url), foreign])
        async with hub(settings) as client:
            spots = await _nodes(client, SPOTS, "touristSpots")
    doubts: dict[str, set[str | None]] = {}
    for spot in spots:
        doubts.setdefault(spot["meta"]["source"], set()).add(spot["locationDoubt"])
    assert doubts == {"tourism": {None}, "samarinda": {"OUTSIDE_CITY"}}


async def test_a_likely_swap_of_latitude_and_longitude_is_named(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    features = [
        _spot("Columbus Commons", -83.0006, 39.9573),
        _spot("Antarctica", 39.9612, -83.0007),  # served [lat, lon]: latitude -83
        _spot("Cincinnati", -84.512, 39.1031),
    ]
    requests = [
        _request("in-city", 39.96, -83.0),
        _request("swapped", "-83.0", "39.96"),
        _request("cleveland", 41.4993, -81.6944),
        _request("no-position", "", ""),
    ]
    routes = {
        "/items": {"type": "FeatureCollection", "features": features},
        "/services.json": [{"service_code": "pothole", "service_name": "Pothole"}],
        "/requests.json": requests,
    }
    with static_upstream(routes) as upstream:
        sources = [
            {"name": "parks", "kind": "geojson", "base_url": f"{upstream.url}/items"},
            {"name": "columbus-311", "kind": "open311", "base_url": upstream.url},
        ]
        async with hub(hub_settings(sources=sources, city_bounds=COLUMBUS)) as client:
            spots = await _nodes(client, SPOTS, "touristSpots")
            complaints = await _nodes(client, COMPLAINTS, "complaints")
    assert {spot["name"]: spot["locationDoubt"] for spot in spots} == {
        "Columbus Commons": None,
        "Antarctica": "LAT_LON_SWAPPED",
        "Cincinnati": "OUTSIDE_CITY",
    }
    assert {c["sourceId"]: c["locationDoubt"] for c in complaints} == {
        "in-city": None,
        "swapped": "LAT_LON_SWAPPED",
        "cleveland": "OUTSIDE_CITY",
        "no-position": None,
    }


async def test_meta_shows_no_tags_where_the_source_gives_none(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        spots = await _nodes(client, SPOTS, "touristSpots")
    assert spots and all(spot["meta"]["tags"] == [] for spot in spots)


def test_meta_shows_the_sources_own_labels() -> None:
    provenance = Provenance("health", datetime(2024, 6, 1, tzinfo=UTC), tags=("HTEST",))
    assert SourceMeta.of(provenance).tags == ["HTEST"]
