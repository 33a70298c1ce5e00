"""The declarative ``json`` adapter: a sample agency API in each paging style, configured
only through settings (the guide's TOML) and read back through the hub's GraphQL."""

from __future__ import annotations

import copy
import logging
import tomllib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kotahub.adapters.json_items import spot_from_item
from kotahub.adapters.json_options import FieldMap
from kotahub.errors import ConfigError
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings, load_settings
from kotahub.records import GeoPoint, Provenance
from kotahub.upstream.skips import UnusableRecord
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error
from tests.support.servers import ThreadedServer

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "json_sources.toml"
HOSTS = ("https://data.balikpapan.example", "https://dinkes.balikpapan.example")

SPOTS: list[Any] = [
    {"kode": "W01", "nama": "Pantai Manggar Segara Sari", "kecamatan": "Balikpapan Timur",
     "lokasi": {"lat": -1.2105, "lng": 116.9783}, "kategori": ["pantai", "keluarga"],
     "alamat": "Jl. Mulawarman", "deskripsi": "Pantai berpasir putih", "jam_buka": "07:00-18:00"},
    {"kode": "W02", "nama": "Taman Bekapai", "kecamatan": "Balikpapan Kota",
     "lokasi": {"lat": "-1.2755", "lng": "116.8297"}, "kategori": "taman"},
    {"nama": "Tanpa kode"},
    {"kode": 4, "nama": "Hutan Lindung Sungai Wain", "kecamatan": "Balikpapan Barat"},
    {"kode": "W05", "nama": 42},
    {"kode": "W06", "nama": "Koordinat rusak", "lokasi": {"lat": {"deg": 1}, "lng": 116.8}},
    "not an object",
    {"kode": "W08", "nama": "Museum Perang Dunia II", "lokasi": {"lat": -1.2772, "lng": 116.8160}},
]  # fmt: skip
GOOD_SPOTS = {
    "Pantai Manggar Segara Sari",
    "Taman Bekapai",
    "Hutan Lindung Sungai Wain",
    "Museum Perang Dunia II",
}
FACILITIES: list[Any] = [
    {"id": 17, "nama_faskes": "RSUD Beriman", "jenis": "Rumah Sakit", "igd": True,
     "koordinat": [-1.2760, 116.8300], "kecamatan": "Balikpapan Kota", "telepon": "0542-873901"},
    {"id": 18, "nama_faskes": "Puskesmas Manggar", "jenis": "puskesmas",
     "koordinat": [-1.2110, 116.9790], "telepon": 542760012},
    {"id": 19, "nama_faskes": "Apotek Kimia Farma", "jenis": "Apotek", "igd": "ya"},
    {"id": 20, "nama_faskes": "Klinik Pratama", "jenis": "Klinik"},
    {"id": None, "nama_faskes": "Tanpa id"},
]  # fmt: skip

calls: list[tuple[str, dict[str, str]]] = []


def _envelope(items: list[Any]) -> dict[str, Any]:
    return {"data": {"results": items}, "status": "ok"}


async def _page(request: Request) -> JSONResponse:
    """``?halaman=N&per_halaman=S`` (the guide's names), pages from 1."""
    size = int(request.query_params["per_halaman"])
    start = (int(request.query_params["halaman"]) - 1) * size
    return JSONResponse(_envelope(SPOTS[start : start + size]))


async def _offset(request: Request) -> JSONResponse:
    start, size = int(request.query_params["offset"]), int(request.query_params["limit"])
    return JSONResponse(_envelope(SPOTS[start : start + size]))


async def _cursor(request: Request) -> JSONResponse:
    """Opaque cursors ``c<N>``; the last page has none."""
    start = int(request.query_params.get("after", "c0")[1:])
    end = start + int(request.query_params["size"])
    following = f"c{end}" if end < len(SPOTS) else None
    return JSONResponse({**_envelope(SPOTS[start:end]), "meta": {"next_cursor": following}})


async def _whole(request: Request) -> JSONResponse:
    return JSONResponse(SPOTS)


async def _facilities(request: Request) -> JSONResponse:
    """Two a page, each page linking to the next relatively."""
    start = int(request.query_params.get("mulai", "0"))
    more = start + 2 < len(FACILITIES)
    following = f"faskes?mulai={start + 2}" if more else None
    return JSONResponse({"data": FACILITIES[start : start + 2], "links": {"next": following}})


async def _elsewhere(request: Request) -> JSONResponse:
    return JSONResponse({"data": [], "links": {"next": "http://evil.example/api/faskes"}})


async def _circular(request: Request) -> JSONResponse:
    return JSONResponse({"data": FACILITIES[:1], "links": {"next": "circular"}})


async def _no_results(request: Request) -> JSONResponse:
    return JSONResponse({"data": {"hasil": SPOTS}})


async def _results_object(request: Request) -> JSONResponse:
    return JSONResponse({"data": {"results": {"kode": "W01"}}})


def _logged(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
    async def logged(request: Request) -> Any:
        calls.append((request.url.path, dict(request.query_params)))
        return await endpoint(request)

    return logged


ROUTES = {
    "/api/wisata": _page,
    "/api/wisata/offset": _offset,
    "/api/wisata/cursor": _cursor,
    "/api/wisata/semua": _whole,
    "/api/wisata/no-results": _no_results,
    "/api/wisata/results-object": _results_object,
    "/api/faskes": _facilities,
    "/api/faskes/elsewhere": _elsewhere,
    "/api/faskes/circular": _circular,
}


@pytest.fixture(scope="module")
def agency() -> Iterator[ThreadedServer]:
    server = ThreadedServer(Starlette(routes=[Route(p, _logged(e)) for p, e in ROUTES.items()]))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def guide_sources(agency: ThreadedServer) -> dict[str, dict[str, Any]]:
    """The guide's sources, verbatim but for the hosts, which are the sample agency's."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for host in HOSTS:
        text = text.replace(host, agency.url)
    calls.clear()
    return {source["name"]: source for source in tomllib.loads(text)["sources"]}


def _variant(source: dict[str, Any], path: str = "", **options: Any) -> dict[str, Any]:
    changed = copy.deepcopy(source)
    changed["base_url"] += path
    changed["options"].update(options)
    return changed


SPOTS_QUERY = """{ touristSpots(first: 50) { totalCount edges { node {
  name district address categories openingHours description location { lat lon }
  meta { source } } } } }"""
SOURCES_QUERY = "{ sources { name skippedRecords { count total firstReason } } }"
FACILITIES_QUERY = """{ healthFacilities(first: 50) { totalCount edges { node {
  name type emergency phone district location { lat lon } } } } }"""


def _by_name(body: dict[str, Any], field: str) -> dict[str, dict[str, Any]]:
    assert "errors" not in body, body
    return {edge["node"]["name"]: edge["node"] for edge in body["data"][field]["edges"]}


async def test_the_guide_configuration_reads_both_agencies(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = hub_settings(sources=list(guide_sources.values()))
    with caplog.at_level(logging.WARNING, logger="kotahub.upstream"):
        async with hub(settings) as client:
            spots = _by_name(await gql(client, SPOTS_QUERY), "touristSpots")
            facilities = _by_name(await gql(client, FACILITIES_QUERY), "healthFacilities")
            sources = (await gql(client, SOURCES_QUERY))["data"]["sources"]
    assert set(spots) == GOOD_SPOTS
    assert spots["Pantai Manggar Segara Sari"] == {
        "name": "Pantai Manggar Segara Sari",
        "district": "Balikpapan Timur",
        "address": "Jl. Mulawarman",
        "categories": ["pantai", "keluarga"],
        "openingHours": "07:00-18:00",
        "description": "Pantai berpasir putih",
        "location": {"lat": -1.2105, "lon": 116.9783},
        "meta": {"source": "wisata"},
    }
    assert spots["Taman Bekapai"]["location"] == {"lat": -1.2755, "lon": 116.8297}
    assert spots["Taman Bekapai"]["categories"] == ["taman"]
    assert spots["Hutan Lindung Sungai Wain"]["location"] is None
    pages = [query for path, query in calls if path == "/api/wisata"]
    assert pages == [{"halaman": str(n), "per_halaman": "3"} for n in (1, 2, 3)]
    skipped = [m for m in caplog.messages if m.startswith("source wisata: skipped")]
    assert len(skipped) == 3  # one warning a page, naming the first item left out
    assert "skipped 1 of 3 records" in skipped[0] and "has nothing at 'kode' (id)" in skipped[0]
    assert "skipped 2 of 3 records" in skipped[1]
    assert "has a number at 'nama' (name), expected a non-empty string" in skipped[1]
    assert "is a string, not an object" in skipped[2]

    assert set(facilities) == {
        "RSUD Beriman",
        "Puskesmas Manggar",
        "Klinik Pratama",
    }  # no id; and "igd": "ya" is not a boolean
    assert facilities["RSUD Beriman"] == {
        "name": "RSUD Beriman",
        "type": "HOSPITAL",
        "emergency": True,
        "phone": "0542-873901",
        "district": "Balikpapan Kota",
        "location": {"lat": -1.276, "lon": 116.83},
    }
    assert facilities["Puskesmas Manggar"]["type"] == "PUSKESMAS"
    assert facilities["Puskesmas Manggar"]["phone"] == "542760012"
    assert facilities["Klinik Pratama"]["type"] == "CLINIC"
    followed = [query for path, query in calls if path == "/api/faskes"]
    assert followed == [{}, {"mulai": "2"}, {"mulai": "4"}]
    skipped_records = {source["name"]: source["skippedRecords"] for source in sources}
    assert skipped_records["wisata"]["count"] == 4
    assert skipped_records["wisata"]["total"] == 8
    assert skipped_records["faskes"]["count"] == 2
    assert skipped_records["faskes"]["total"] == 5


async def test_json_places_are_nearby_one_another(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
) -> None:
    query = """{ touristSpots(first: 50) { edges { node { name
      nearby(kinds: [HEALTH_FACILITY], radiusKm: 1) { distanceKm
        item { ... on HealthFacility { name } } } } } } }"""
    async with hub(hub_settings(sources=list(guide_sources.values()))) as client:
        spots = _by_name(await gql(client, query), "touristSpots")
    near = {name: [hit["item"]["name"] for hit in s["nearby"]] for name, s in spots.items()}
    assert near["Pantai Manggar Segara Sari"] == ["Puskesmas Manggar"]
    assert near["Taman Bekapai"] == ["RSUD Beriman"]
    assert near["Hutan Lindung Sungai Wain"] == []


@pytest.mark.parametrize(
    ("path", "options", "expected_calls"),
    [
        ("/offset", {"paging": "offset", "page_size": 3},
         [{"offset": "0", "limit": "3"}, {"offset": "3", "limit": "3"},
          {"offset": "6", "limit": "3"}]),
        ("/cursor", {"paging": "cursor", "cursor_path": "meta.next_cursor",
                     "cursor_param": "after", "size_param": "size", "page_size": 5},
         [{"size": "5"}, {"size": "5", "after": "c5"}]),
        ("/semua", {"paging": "none", "items": ""}, [{}]),
    ],
    ids=["offset", "cursor", "none"],
)  # fmt: skip
async def test_each_paging_style(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
    path: str,
    options: dict[str, Any],
    expected_calls: list[dict[str, str]],
) -> None:
    source = _variant(guide_sources["wisata"], path, **options)
    async with hub(hub_settings(sources=[source])) as client:
        spots = _by_name(await gql(client, SPOTS_QUERY), "touristSpots")
    assert set(spots) == GOOD_SPOTS
    assert [query for where, query in calls if where == "/api/wisata" + path] == expected_calls


async def test_max_pages_stops_a_source_that_never_ends(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    source = _variant(guide_sources["wisata"], page_size=1, max_pages=2)
    with caplog.at_level(logging.WARNING, logger="kotahub.adapters.wisata"):
        async with hub(hub_settings(sources=[source])) as client:
            spots = _by_name(await gql(client, SPOTS_QUERY), "touristSpots")
    assert set(spots) == {"Pantai Manggar Segara Sari", "Taman Bekapai"}
    assert "source wisata: stopped after 2 pages (max_pages)" in caplog.messages


async def test_a_next_link_seen_before_ends_the_paging(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
) -> None:
    source = _variant(guide_sources["faskes"], "/circular")
    async with hub(hub_settings(sources=[source])) as client:
        facilities = _by_name(await gql(client, FACILITIES_QUERY), "healthFacilities")
    assert set(facilities) == {"RSUD Beriman"}
    assert len([path for path, _ in calls if path == "/api/faskes/circular"]) == 1


@pytest.mark.parametrize(
    ("source", "path", "options", "message"),
    [
        ("wisata", "/no-results", {},
         "expected an array of items at items path 'data.results', found nothing"),
        ("wisata", "/results-object", {},
         "expected an array of items at items path 'data.results', found an object"),
        ("wisata", "/no-results", {"items": ""},
         "expected an array of items at the answer (items path ''), found an object"),
        ("faskes", "/elsewhere", {},
         "link '/api/faskes' leaves the source's origin"),
    ],
    ids=["items path missing", "items not an array", "answer not an array", "other origin"],
)  # fmt: skip
async def test_an_answer_of_the_wrong_shape_is_a_payload_error(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
    source: str,
    path: str,
    options: dict[str, Any],
    message: str,
) -> None:
    configured = _variant(guide_sources[source], path, **options)
    field = "touristSpots" if source == "wisata" else "healthFacilities"
    async with hub(hub_settings(sources=[configured])) as client:
        error = only_error(await gql(client, f"{{ {field}(first: 5) {{ totalCount }} }}"))
    assert error["extensions"]["code"] == "UPSTREAM_BAD_PAYLOAD"
    assert error["extensions"]["source"] == source
    assert message in error["message"]


@pytest.mark.parametrize(
    ("options", "fields", "message"),
    [
        ({}, {"nmae": "nama"},
         "invalid setting 'sources.wisata.options.fields' (an option of the json adapter): "
         "got {'id': 'kode', 'name': 'nama', "),
        ({}, {"nmae": "nama"},
         "unknown field 'nmae'; known fields: id, name, latitude, longitude, district, address, "
         "opening_hours, description, description_en, categories, phone, facility_type, "
         "emergency"),
        ({}, {"facility_type": "jenis"},
         "field 'facility_type' is not one of a tourism record; known fields: id, name, "
         "latitude, longitude, district, address, opening_hours, description, description_en, "
         "categories"),
        ({"paging": "pages"}, {},
         "invalid setting 'sources.wisata.options.paging' (an option of the json adapter): "
         "got 'pages'; Input should be "
         "'none', 'page', 'offset', 'next_link' or 'cursor'"),
        ({"domain": "weather"}, {},
         "invalid setting 'sources.wisata.options.domain' (an option of the json adapter): "
         "got 'weather'; Input should be "
         "'tourism' or 'health'"),
        ({"paging": "next_link"}, {},
         "paging 'next_link' needs next_path: the path to the next page's URL"),
        ({"page_size": 0}, {}, "sources.wisata.options.page_size"),
        ({}, {"latitude": "lokasi..lat"}, "sources.wisata.options.fields.latitude"),
    ],
    ids=["names the option", "unknown field", "field of another domain", "paging",
         "domain", "next_path", "page_size", "bad path"],
)  # fmt: skip
def test_bad_options_stop_start_up_naming_them(
    hub_settings: Callable[..., Settings],
    guide_sources: dict[str, dict[str, Any]],
    options: dict[str, Any],
    fields: dict[str, str],
    message: str,
) -> None:
    source = _variant(guide_sources["wisata"], **options)
    source["options"]["fields"].update(fields)
    with pytest.raises(ConfigError) as caught:
        create_app(hub_settings(sources=[source]))
    assert message in str(caught.value)


def test_a_source_without_id_or_name_paths_is_refused(
    hub_settings: Callable[..., Settings], guide_sources: dict[str, dict[str, Any]]
) -> None:
    source = _variant(guide_sources["wisata"])
    del source["options"]["fields"]["name"]
    with pytest.raises(ConfigError, match="'name' is required: the path to each item's name"):
        create_app(hub_settings(sources=[source]))


def test_the_guide_configuration_loads_as_a_config_file(tmp_path: Path) -> None:
    config = tmp_path / "kotahub.toml"
    config.write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    settings = load_settings(config)
    assert [(s.name, s.kind, s.options["domain"]) for s in settings.sources] == [
        ("wisata", "json", "tourism"),
        ("faskes", "json", "health"),
    ]


def test_the_guide_shows_the_configuration_as_it_is() -> None:
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    section = guide.split("## A plain JSON API, by configuration alone", 1)[1]
    shown = section.split("```toml\n", 1)[1].split("```", 1)[0]
    assert shown == EXAMPLE.read_text(encoding="utf-8")


def test_the_guide_shows_the_start_up_error_as_it_is(
    hub_settings: Callable[..., Settings], guide_sources: dict[str, dict[str, Any]]
) -> None:
    source = _variant(guide_sources["wisata"])
    source["options"]["fields"] = {"id": "kode", "nmae": "nama"}
    with pytest.raises(ConfigError) as caught:
        create_app(hub_settings(sources=[source]))
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    assert f"kotahub: configuration error: {caught.value}\n" in guide


GUIDE_FIELDS = FieldMap.model_validate(
    tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["sources"][0]["options"]["fields"]
)
READ = Provenance("wisata", datetime(2024, 5, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("item", "reason", "detail"),
    [
        ({"nama": "Tanpa kode"}, "no id", "has nothing at 'kode' (id)"),
        ({"kode": "W05", "nama": 42}, "no name",
         "has a number at 'nama' (name), expected a non-empty string"),
        ({"kode": "W06", "nama": "Koordinat rusak", "lokasi": {"lat": {"deg": 1}, "lng": 116.8}},
         "bad value", "has an object at 'lokasi.lat' (latitude), expected a number from -90"),
        ({"kode": "W07", "nama": "Di luar bumi", "lokasi": {"lat": "-91", "lng": 116.8}},
         "bad value", "has a string at 'lokasi.lat' (latitude)"),
        ("not an object", "not a record", "is a string, not an object"),
    ],
    ids=["no id", "no name", "coordinate of the wrong type", "coordinate off the globe",
         "not an object"],
)  # fmt: skip
def test_an_item_left_out_says_why_and_where(item: Any, reason: str, detail: str) -> None:
    with pytest.raises(UnusableRecord) as caught:
        spot_from_item(item, GUIDE_FIELDS, READ)
    assert caught.value.skip.reason == reason
    assert detail in caught.value.skip.detail


@pytest.mark.parametrize(
    ("where", "location"),
    [
        ({"lat": 0, "lng": 0}, None),
        ({"lat": "0", "lng": "0.0"}, None),
        ({"lat": "", "lng": ""}, None),
        ({"lat": " ", "lng": 116.8}, None),
        ({"lat": "-1,2765", "lng": "116,8297"}, GeoPoint(lat=-1.2765, lon=116.8297)),
        ({"lat": 0, "lng": 116.8297}, GeoPoint(lat=0, lon=116.8297)),
    ],
    ids=["zeros", "zeros as text", "empty strings", "blank", "decimal commas", "on the equator"],
)
def test_zeros_and_empty_coordinates_are_no_position(
    where: dict[str, Any], location: GeoPoint | None
) -> None:
    spot = spot_from_item({"kode": "W01", "nama": "Pantai", "lokasi": where}, GUIDE_FIELDS, READ)
    assert spot.location == location
