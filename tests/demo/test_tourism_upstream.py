"""Tests for the reference tourism upstream (OGC API - Features style, Balikpapan sample data)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx
import opening_hours
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.request_log import RequestLog
from kotahub.demo.tourism import create_tourism_app
from kotahub.demo.tourism_catalogue import BALIKPAPAN_BBOX, CATEGORIES, DATA_FILE, DISTRICTS
from kotahub.demo.tourism_query import MAX_LIMIT
from tests.support.upstream_http import assert_conditional_get, follow_pages

BASE = "http://tourism.test"
ITEMS = "/collections/attractions/items"


@pytest.fixture
def app() -> Starlette:
    return create_tourism_app()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def stored() -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))["features"]
    return features


def link_href(body: dict[str, Any], rel: str) -> str | None:
    hrefs = [str(link["href"]) for link in body["links"] if link["rel"] == rel]
    assert len(hrefs) <= 1, f"more than one {rel!r} link"
    return hrefs[0] if hrefs else None


async def all_pages(http: httpx.AsyncClient, first: str) -> list[dict[str, Any]]:
    return await follow_pages(http, first, lambda body: link_href(body, "next"))


async def test_landing_page_links_to_the_collections(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    body = response.json()
    assert response.headers["content-type"] == "application/json"
    assert body["title"] and body["description"]
    assert link_href(body, "self") == f"{BASE}/"
    data = link_href(body, "data")
    assert data == f"{BASE}/collections"
    assert (await client.get(data)).status_code == 200


async def test_collection_metadata_describes_attractions(client: httpx.AsyncClient) -> None:
    listing = (await client.get("/collections")).json()
    collection = (await client.get("/collections/attractions")).json()
    assert listing["collections"] == [collection]
    assert collection["id"] == "attractions"
    assert collection["itemType"] == "feature"
    assert collection["extent"]["spatial"]["bbox"] == [list(BALIKPAPAN_BBOX)]
    assert link_href(collection, "items") == f"{BASE}{ITEMS}"


async def test_paging_by_next_links_yields_every_feature_once(
    client: httpx.AsyncClient, stored: list[dict[str, Any]]
) -> None:
    pages = await all_pages(client, f"{ITEMS}?limit=5")
    ids = [feature["id"] for page in pages for feature in page["features"]]
    assert ids == sorted(feature["id"] for feature in stored)
    assert len(pages) == -(-len(stored) // 5)
    for page in pages:
        assert page["numberMatched"] == len(stored)
        assert page["numberReturned"] == len(page["features"]) <= 5
        assert page["type"] == "FeatureCollection"
        datetime.strptime(page["timeStamp"], "%Y-%m-%dT%H:%M:%SZ")
    assert link_href(pages[0], "prev") is None
    assert link_href(pages[1], "prev") == f"{BASE}{ITEMS}?limit=5&offset=0"


async def test_items_are_geojson_with_default_limit(client: httpx.AsyncClient) -> None:
    response = await client.get(ITEMS)
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["numberReturned"] == 10
    assert link_href(body, "self") == f"{BASE}{ITEMS}?limit=10&offset=0"


async def test_limit_above_maximum_is_clamped(
    client: httpx.AsyncClient, stored: list[dict[str, Any]]
) -> None:
    body = (await client.get(ITEMS, params={"limit": 5000})).json()
    assert body["numberReturned"] == len(stored)
    assert link_href(body, "self") == f"{BASE}{ITEMS}?limit={MAX_LIMIT}&offset=0"
    assert link_href(body, "next") is None


async def test_bbox_keeps_only_features_inside(
    client: httpx.AsyncClient, stored: list[dict[str, Any]]
) -> None:
    east = (116.95, -1.25, 117.10, -1.05)
    inside = {
        f["id"]
        for f in stored
        if east[0] <= f["geometry"]["coordinates"][0] <= east[2]
        and east[1] <= f["geometry"]["coordinates"][1] <= east[3]
    }
    body = (await client.get(ITEMS, params={"bbox": ",".join(map(str, east)), "limit": 100})).json()
    assert {f["id"] for f in body["features"]} == inside
    assert body["numberMatched"] == len(inside) >= 3


def matches(props: dict[str, Any], category: str | None, district: str | None) -> bool:
    in_category = category is None or category in props["category"]
    return in_category and (district is None or props["address"]["district"] == district)


@pytest.mark.parametrize(
    ("category", "district"),
    [
        ("beach", None),
        ("wildlife", None),
        (None, "Balikpapan Utara"),
        ("religious", "Balikpapan Kota"),
    ],
)
async def test_category_and_district_filters(
    client: httpx.AsyncClient,
    stored: list[dict[str, Any]],
    category: str | None,
    district: str | None,
) -> None:
    wanted = sorted(f["id"] for f in stored if matches(f["properties"], category, district))
    params = {"category": category, "district": district, "limit": "100"}
    query = {name: value for name, value in params.items() if value is not None}
    body = (await client.get(ITEMS, params=query)).json()
    assert [f["id"] for f in body["features"]] == wanted
    assert wanted, "the filter should match something in the sample data"
    self_link = link_href(body, "self")
    assert self_link is not None and "limit=100" in self_link


async def test_filters_survive_in_next_links(client: httpx.AsyncClient) -> None:
    pages = await all_pages(client, f"{ITEMS}?district=Balikpapan+Kota&limit=2")
    districts = {f["properties"]["address"]["district"] for p in pages for f in p["features"]}
    assert districts == {"Balikpapan Kota"}
    assert sum(p["numberReturned"] for p in pages) == pages[0]["numberMatched"]


async def test_unknown_category_matches_nothing(client: httpx.AsyncClient) -> None:
    body = (await client.get(ITEMS, params={"category": "ski-resort"})).json()
    assert body["numberMatched"] == 0
    assert body["features"] == []


@pytest.mark.parametrize(
    ("query", "parameter", "value"),
    [
        ("limit=0", "limit", "'0'"),
        ("limit=-3", "limit", "'-3'"),
        ("limit=ten", "limit", "'ten'"),
        ("limit=2.5", "limit", "'2.5'"),
        ("offset=-1", "offset", "'-1'"),
        ("offset=abc", "offset", "'abc'"),
        ("bbox=1,2,3", "bbox", "'1,2,3'"),
        ("bbox=116.8,-1.3,117.1,x", "bbox", "'116.8,-1.3,117.1,x'"),
        ("bbox=117.1,-1.3,116.8,-1.05", "bbox", "'117.1,-1.3,116.8,-1.05'"),
        ("bbox=116.8,-1.05,117.1,-1.3", "bbox", "'116.8,-1.05,117.1,-1.3'"),
        ("bbox=-190,-1.3,117.1,-1.05", "bbox", "'-190,-1.3,117.1,-1.05'"),
        ("bbox=116.8,-95,117.1,-1.05", "bbox", "'116.8,-95,117.1,-1.05'"),
        ("bbox=nan,-1.3,117.1,-1.05", "bbox", "'nan,-1.3,117.1,-1.05'"),
        ("category=", "category", "''"),
        ("limit=5&limit=6", "limit", "more than once"),
        ("colour=blue", "colour", "'colour'"),
    ],
)
async def test_bad_parameters_are_rejected_naming_the_parameter(
    client: httpx.AsyncClient, query: str, parameter: str, value: str
) -> None:
    response = await client.get(f"{ITEMS}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == "InvalidParameterValue"
    assert f"'{parameter}'" in body["description"]
    assert value in body["description"]


async def test_unknown_parameter_error_lists_the_known_ones(client: httpx.AsyncClient) -> None:
    body = (await client.get(ITEMS, params={"sortby": "name"})).json()
    for known in ("bbox", "category", "district", "limit", "offset"):
        assert known in body["description"]


async def test_single_item_and_unknown_item(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}/kebun-raya-balikpapan")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    feature = response.json()
    assert feature["type"] == "Feature"
    assert feature["properties"]["name"] == "Kebun Raya Balikpapan"
    assert link_href(feature, "self") == f"{BASE}{ITEMS}/kebun-raya-balikpapan"

    missing = await client.get(f"{ITEMS}/bukit-bangkirai")
    assert missing.status_code == 404
    assert missing.json()["code"] == "NotFound"
    assert "'bukit-bangkirai'" in missing.json()["description"]


async def test_unknown_path_is_a_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/collections/hotels")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json()["code"] == "NotFound"


@pytest.mark.parametrize(
    "path", ["/", "/collections/attractions", f"{ITEMS}?limit=3", f"{ITEMS}/pantai-lamaru"]
)
async def test_etag_and_if_none_match(client: httpx.AsyncClient, path: str) -> None:
    await assert_conditional_get(client, path)


async def test_different_pages_have_different_etags(client: httpx.AsyncClient) -> None:
    first = await client.get(ITEMS, params={"limit": 3})
    second = await client.get(ITEMS, params={"limit": 3, "offset": 3})
    assert first.headers["etag"] != second.headers["etag"]


async def test_every_photo_resolves_against_the_app_root(
    client: httpx.AsyncClient, stored: list[dict[str, Any]]
) -> None:
    for feature in stored:
        for image in feature["properties"]["image"]:
            assert not image.startswith("/") and image.startswith("photos/")
            response = await client.get(urljoin(f"{BASE}/", image))
            assert response.status_code == 200, image
            assert response.headers["content-type"] == "image/svg+xml"
            assert response.text.startswith("<svg")
            assert feature["properties"]["name"].split(" (")[0][:20] in response.text
    missing = await client.get("/photos/not-a-place-1.svg")
    assert missing.status_code == 404
    assert missing.json()["code"] == "NotFound"


def test_sample_data_is_valid(stored: list[dict[str, Any]]) -> None:
    assert len(stored) >= 18
    ids = [feature["id"] for feature in stored]
    assert len(set(ids)) == len(ids)
    districts = {feature["properties"]["address"]["district"] for feature in stored}
    assert districts == DISTRICTS
    for feature in stored:
        check_feature(feature)
    assert sum(1 for f in stored if f["properties"]["eTicketUrl"]) >= 2


def check_feature(feature: dict[str, Any]) -> None:
    props = feature["properties"]
    where = feature["id"]
    assert feature["type"] == "Feature" and props["type"] == "PointOfInterest", where
    lon, lat = feature["geometry"]["coordinates"]
    min_lon, min_lat, max_lon, max_lat = BALIKPAPAN_BBOX
    assert feature["geometry"]["type"] == "Point", where
    assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat, where
    assert props["category"] and set(props["category"]) <= CATEGORIES, where
    assert props["address"]["addressLocality"] == "Balikpapan", where
    opening_hours.OpeningHours(props["openingHours"])
    assert props["descriptionMap"]["id"] == props["description"], where
    assert props["descriptionMap"]["en"].strip(), where
    assert isinstance(props["locationEstimated"], bool), where
    assert "sample" in props["source"], where
    datetime.strptime(props["dateModified"], "%Y-%m-%dT%H:%M:%SZ")
    check_ticket(where, props["ticketPrice"], props["eTicketUrl"])


def check_ticket(where: str, price: dict[str, Any] | None, e_ticket: str | None) -> None:
    if price is not None:
        assert price["currency"] == "IDR", where
        assert isinstance(price["adult"], int) and price["adult"] >= 0, where
    if e_ticket is not None:
        assert e_ticket.startswith("https://"), where
        assert price is not None and price["adult"] > 0, where


async def test_links_work_when_mounted_under_a_prefix() -> None:
    upstream = create_tourism_app()
    hub = Starlette(routes=[Mount("/tourism", app=upstream)])
    transport = httpx.ASGITransport(app=hub)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        landing = (await http.get("/tourism/")).json()
        assert link_href(landing, "data") == "http://hub.test/tourism/collections"
        pages = await all_pages(http, f"/tourism{ITEMS}?limit=7")
        photo = pages[0]["features"][0]["properties"]["image"][0]
        assert photo.startswith("http://hub.test/tourism/photos/")
        assert (await http.get(photo)).status_code == 200
    assert len(pages) > 1
    next_link = link_href(pages[0], "next")
    assert next_link == f"http://hub.test/tourism{ITEMS}?limit=7&offset=7"
    log: RequestLog = upstream.state.request_log
    assert log.count(ITEMS) == len(pages)
    assert log.count("/photos/") == 1


async def test_request_log_counts_and_clears(app: Starlette, client: httpx.AsyncClient) -> None:
    log: RequestLog = app.state.request_log
    await client.get(ITEMS, params={"limit": 2})
    await client.get(f"{ITEMS}/pantai-kemala")
    await client.get("/collections")
    assert log.requests[0] == ("GET", ITEMS, "limit=2")
    assert log.count() == 3
    assert log.count(ITEMS) == 2
    assert log.count("/photos") == 0
    log.clear()
    assert log.count() == 0 and log.requests == []


def test_negative_latency_is_refused() -> None:
    with pytest.raises(ValueError, match="delay_ms"):
        create_tourism_app(latency_ms=-1)
