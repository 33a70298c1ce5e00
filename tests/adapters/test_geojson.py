"""The GeoJSON adapter: paging, lenient feature mapping, and clear errors."""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from kotahub.adapters.geojson import _next_link
from kotahub.adapters.geojson_features import spot_from_feature
from kotahub.adapters.geojson_geometry import located
from kotahub.adapters.geojson_options import PropertyMap
from kotahub.contract import Adapter, TourismAdapter
from kotahub.demo.app import TOURISM_ITEMS
from kotahub.errors import ConfigError, SourceHTTPError, SourcePayloadError
from kotahub.records import GeoPoint, LocalizedText, Provenance
from kotahub.upstream.client import SourceClient
from kotahub.upstream.skips import UnusableRecord
from tests.support.servers import ThreadedServer
from tests.support.upstream import fetch_json, fetch_status


def _tourism(adapter: Adapter) -> TourismAdapter:
    assert adapter.domain == "tourism"
    return adapter  # type: ignore[return-value]


async def test_follows_next_links_across_pages(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter], tourism_log: object
) -> None:
    url = demo_server.url + TOURISM_ITEMS
    expected = (await fetch_json(url, limit=1000))["numberMatched"]
    tourism_log.clear()  # type: ignore[attr-defined]
    adapter = _tourism(
        make_adapter(name="t", kind="geojson", base_url=url, options={"page_size": 4})
    )
    spots = await adapter.spots()
    assert len(spots) == expected
    assert len({spot.local_id for spot in spots}) == expected
    assert tourism_log.count() == -(-expected // 4)  # type: ignore[attr-defined]


async def test_maps_fiware_properties(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = demo_server.url + TOURISM_ITEMS
    feature = (await fetch_json(url, limit=1))["features"][0]
    adapter = _tourism(make_adapter(name="t", kind="geojson", base_url=url))
    spot = next(s for s in await adapter.spots() if s.local_id == feature["id"])
    props = feature["properties"]
    assert spot.name == props["name"]
    assert spot.district == props["address"]["district"]
    assert spot.description is not None
    assert spot.description.en == props["descriptionMap"]["en"]
    assert spot.opening_hours == props["openingHours"]
    assert spot.location is not None
    assert (spot.location.lon, spot.location.lat) == tuple(feature["geometry"]["coordinates"])
    assert spot.photos and spot.photos == tuple(props["image"])
    assert [await fetch_status(photo) for photo in spot.photos] == [200] * len(spot.photos)


async def test_accepts_odd_but_usable_features_and_skips_broken_ones(
    misbehaving_server: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    source_client: SourceClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    adapter = _tourism(
        make_adapter(name="odd", kind="geojson", base_url=misbehaving_server.url + "/odd-features")
    )
    with caplog.at_level(logging.WARNING):
        spots = await adapter.spots()
    assert [spot.local_id for spot in spots] == ["good", "7"]
    area = spots[1]
    assert area.location is not None and area.location.lat == pytest.approx(-1.5)
    assert area.description is not None and area.description.pick("en") == "Hanya bahasa Indonesia"
    assert area.ticket_price is not None and area.ticket_price.adult == 5000
    [status] = [s for s in source_client.statuses.snapshot() if s.name == "odd"]
    assert (status.skipped.count, status.skipped.total) == (2, 4)
    assert status.skipped.first_reason and "feature 1" in status.skipped.first_reason
    await adapter.spots()  # the same page read again is not counted or logged again
    assert source_client.statuses.snapshot()[0].skipped.count == 2
    [warning] = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert "skipped 2 of 4 records" in warning and "feature 1" in warning


async def test_json_that_is_not_a_feature_collection_is_named(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/not-a-collection"
    adapter = _tourism(make_adapter(name="odd", kind="geojson", base_url=url))
    with pytest.raises(
        SourcePayloadError, match=re.escape("expected a GeoJSON FeatureCollection, got 'Feature'")
    ):
        await adapter.spots()


async def test_upstream_error_description_is_kept(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = demo_server.url + TOURISM_ITEMS + "?bbox=not,a,box"
    adapter = _tourism(make_adapter(name="t", kind="geojson", base_url=url))
    with pytest.raises(SourceHTTPError, match=r"HTTP 400: .*bbox"):
        await adapter.spots()


def test_bad_page_size_option_is_a_config_error(make_adapter: Callable[..., Adapter]) -> None:
    with pytest.raises(
        ConfigError,
        match=r"'sources.t.options.page_size' .*: got -1; Input should be greater than or equal",
    ):
        make_adapter(name="t", kind="geojson", base_url="http://x.test/", options={"page_size": -1})


async def test_relative_next_links_resolve_against_the_page(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/api/items?region=kaltim"
    adapter = _tourism(make_adapter(name="rel", kind="geojson", base_url=url))
    spots = await adapter.spots()
    assert [spot.local_id for spot in spots] == ["p1", "p2"]


async def test_a_redirect_is_named_as_one(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    url = misbehaving_server.url + "/moved"
    adapter = _tourism(make_adapter(name="moved", kind="geojson", base_url=url))
    with pytest.raises(SourceHTTPError, match="HTTP 302, a redirect to /items") as caught:
        await adapter.spots()
    assert caught.value.status == 302


READ = Provenance("portal", datetime(2024, 5, 1, tzinfo=UTC))
PAGE = "https://portal.example/items"


def _feature(props: Any, geometry: Any = None, **members: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props, **members}


def _point(lon: Any, lat: Any) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


@pytest.mark.parametrize(
    ("feature", "local_id", "name"),
    [
        (_feature({"OBJECTID": 12, "NAME": "Bekapai Park", "TYPE": "park"}), "12", "Bekapai Park"),
        (_feature({"objectid": 3, "Nombre": "Parque del Oeste", "Descripcion": "Un parque"}),
         "3", "Parque del Oeste"),
        (_feature({"nama": "Pantai Kemala"}, id="k-1"), "k-1", "Pantai Kemala"),
        (_feature({"FID": 4, "NAMOBJ": "Hutan Kota"}), "4", "Hutan Kota"),
        (_feature({"Title": "Museum", "gid": 9.0}), "9", "Museum"),
        (_feature({"OBJECTID": 5, "name": None, "title": "Tugu"}, id=None), "5", "Tugu"),
    ],
    ids=["ArcGIS uppercase", "Spanish portal", "Indonesian", "RBI NAMOBJ", "title", "nulls"],
)  # fmt: skip
def test_common_property_names_are_read_whatever_their_case(
    feature: dict[str, Any], local_id: str, name: str
) -> None:
    spot = spot_from_feature(feature, PAGE, READ)
    assert (spot.local_id, spot.name) == (local_id, name)


def test_the_usual_fields_are_found_under_portal_names() -> None:
    props = {
        "OBJECTID": 1, "NAMA": "Pantai Manggar", "KATEGORI": "pantai", "KECAMATAN": "Timur",
        "ALAMAT": "Jl. Mulawarman", "DESKRIPSI": "Pasir putih", "JAM_BUKA": "07:00-18:00",
        "FOTO": "img/manggar.jpg", "HTM": 10000,
    }  # fmt: skip
    spot = spot_from_feature(_feature(props, _point(116.97, -1.21)), PAGE, READ)
    assert spot.categories == ("pantai",)
    assert (spot.district, spot.address) == ("Timur", "Jl. Mulawarman")
    assert spot.description is not None and spot.description.id == "Pasir putih"
    assert spot.opening_hours == "07:00-18:00"
    assert spot.photos == ("https://portal.example/img/manggar.jpg",)
    assert spot.ticket_price is not None and spot.ticket_price.adult == 10000


def test_configured_properties_are_read_there_only() -> None:
    names = PropertyMap(id="KODE", name="info.judul", description_en="desc_en")
    props = {"KODE": "W1", "name": "not this one", "info": {"judul": "Teluk"}, "desc_en": "Bay"}
    spot = spot_from_feature(_feature(props, id=99), PAGE, READ, names)
    assert (spot.local_id, spot.name) == ("W1", "Teluk")
    assert spot.description == LocalizedText(id="Bay", en="Bay")
    with pytest.raises(UnusableRecord) as caught:
        spot_from_feature(_feature({"KODE": "W2", "nama": "Teluk"}), PAGE, READ, names)
    assert caught.value.skip.reason == "no name"
    assert "nothing usable at 'info.judul' (options.properties.name)" in caught.value.skip.detail
    assert "its properties: KODE, nama" in caught.value.skip.detail


@pytest.mark.parametrize(
    ("feature", "reason", "detail"),
    [
        (_feature({"OBJECTID": 1, "NAMA_JALAN": "Jl. A", "KET": "x"}), "no name",
         "'1' has no usable name, nama, nombre, nom, … property; its properties: OBJECTID, "
         "NAMA_JALAN, KET"),
        (_feature({"name": "Somewhere"}, id=True), "no id",
         "no usable 'id' member, and no usable id, objectid, fid, ogc_fid, … property; its "
         "properties: name"),
        (_feature([1, 2]), "not a record", "'properties' is not an object"),
    ],
    ids=["no name", "no id", "properties not an object"],
)  # fmt: skip
def test_a_feature_left_out_names_what_it_has(
    feature: dict[str, Any], reason: str, detail: str
) -> None:
    with pytest.raises(UnusableRecord) as caught:
        spot_from_feature(feature, PAGE, READ)
    assert (caught.value.skip.reason, caught.value.skip.detail) == (reason, detail)


@pytest.mark.parametrize(
    ("geometry", "props", "location"),
    [
        (_point(0, 0), {}, None),
        (_point(0.0, "0"), {}, None),
        (_point("", ""), {}, None),
        (None, {}, None),
        (_point(200, -1.2), {}, None),
        (None, {"LATITUDE": "-1.27", "LONGITUDE": "116.83"}, GeoPoint(lat=-1.27, lon=116.83)),
        (None, {"lat": "", "lon": ""}, None),
        (_point(0, 0), {"lat": 0, "lng": 0}, None),
        (_point("116.83", "-1.27"), {}, GeoPoint(lat=-1.27, lon=116.83)),
    ],
    ids=["0,0", "0,0 as text", "empty strings", "geometry null", "off the globe",
         "coordinates in properties", "empty properties", "zeros everywhere", "numeric text"],
)  # fmt: skip
def test_no_position_is_none_and_the_feature_is_kept(
    geometry: Any, props: dict[str, Any], location: GeoPoint | None
) -> None:
    spot = spot_from_feature(_feature({"name": "Spot", **props}, geometry, id=1), PAGE, READ)
    assert spot.location == location
    assert spot.location_estimated is False


SQUARE = [[116.0, -1.0], [117.0, -1.0], [117.0, -2.0], [116.0, -2.0], [116.0, -1.0]]
# A U open to the north: its centroid lies in the gap between the arms.
U_SHAPE = [[116.0, -2.0], [116.3, -2.0], [116.3, -1.0], [116.2, -1.0], [116.2, -1.8],
           [116.1, -1.8], [116.1, -1.0], [116.0, -1.0], [116.0, -2.0]]  # fmt: skip
LAKE = [[116.4, -1.4], [116.6, -1.4], [116.6, -1.6], [116.4, -1.6], [116.4, -1.4]]


def _inside(point: GeoPoint, ring: list[list[float]]) -> bool:
    """Even-odd: a ray to the west crosses the closed ring an odd number of times."""
    crossed = [
        x0 + (point.lat - y0) * (x1 - x0) / (y1 - y0)
        for (x0, y0), (x1, y1) in itertools.pairwise(ring)
        if min(y0, y1) <= point.lat < max(y0, y1)
    ]
    return sum(x < point.lon for x in crossed) % 2 == 1


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        ({"type": "Polygon", "coordinates": [SQUARE]}, GeoPoint(lat=-1.5, lon=116.5)),
        ({"type": "Polygon", "coordinates": [SQUARE[:-1]]}, GeoPoint(lat=-1.5, lon=116.5)),
        ({"type": "MultiPolygon", "coordinates": [[[[116.0, -1.0], [116.01, -1.0],
          [116.01, -1.01], [116.0, -1.0]]], [SQUARE]]}, GeoPoint(lat=-1.5, lon=116.5)),
        ({"type": "MultiPoint", "coordinates": [[0, 0], [116.8, -1.2], [116.9, -1.3]]},
         GeoPoint(lat=-1.2, lon=116.8)),
        ({"type": "LineString", "coordinates": [[116.8, -1.2], [116.9, -1.3]]},
         GeoPoint(lat=-1.2, lon=116.8)),
        ({"type": "MultiLineString", "coordinates": [[], [[116.8, -1.2], [116.9, -1.3]]]},
         GeoPoint(lat=-1.2, lon=116.8)),
        ({"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": []},
          {"type": "Polygon", "coordinates": [SQUARE]}]}, GeoPoint(lat=-1.5, lon=116.5)),
    ],
    ids=["polygon", "ring not closed", "largest polygon", "first point of several",
         "trailhead", "first line with points", "collection"],
)  # fmt: skip
def test_a_shape_is_placed_at_a_point_of_its_own_marked_estimated(
    geometry: dict[str, Any], expected: GeoPoint
) -> None:
    spot = spot_from_feature(_feature({"name": "Park"}, geometry, id=1), PAGE, READ)
    assert spot.location is not None
    assert spot.location.lat == pytest.approx(expected.lat)
    assert spot.location.lon == pytest.approx(expected.lon)
    assert spot.location_estimated is True


@pytest.mark.parametrize(
    "rings", [[U_SHAPE], [SQUARE, LAKE]], ids=["centroid outside", "centroid in a hole"]
)
def test_an_area_is_placed_inside_it(rings: list[list[list[float]]]) -> None:
    point, estimated = located({"type": "Polygon", "coordinates": rings})
    assert point is not None and estimated
    assert _inside(point, rings[0])
    assert not any(_inside(point, hole) for hole in rings[1:])


def test_an_unknown_property_field_is_a_config_error(make_adapter: Callable[..., Adapter]) -> None:
    with pytest.raises(ConfigError, match="unknown field 'nmae'; known fields: id, name, "):
        make_adapter(
            name="t",
            kind="geojson",
            base_url="http://x.test/",
            options={"properties": {"nmae": "N"}},
        )


def test_of_several_next_links_the_geojson_one_is_followed() -> None:
    links = [
        {"rel": "next", "type": "text/html", "href": "items?f=html&offset=10"},
        {"rel": "next", "type": "application/geo+json", "href": "items?f=json&offset=10"},
    ]
    assert _next_link({"links": links}) == "items?f=json&offset=10"
    assert _next_link({"links": [{"rel": "next", "href": "p2"}]}) == "p2"
