"""Tests for the reference Open311 GeoReport v2 upstream (Balikpapan complaints)."""

from __future__ import annotations

import gc
import json
import math
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.open311 import create_open311_app
from kotahub.demo.open311_attributes import check_attributes
from kotahub.demo.open311_catalogue import DATA_FILE, Catalogue
from kotahub.demo.open311_params import RequestsQuery
from kotahub.demo.open311_store import DEFER_SECONDS, Open311Store
from kotahub.demo.open311_time import WITA

BASE = "http://open311.test"
KEY = "kotahub-demo-key"
PREFIX = "/complaints/open311/v2"
BBOX = (116.80, -1.30, 117.10, -1.05)
KECAMATAN = {f"Balikpapan {p}" for p in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")}
CONTACT_FIELDS = ("email", "device_id", "account_id", "first_name", "last_name", "phone")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
    "district",
}
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type"}
SERVICE_FIELDS |= {"keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description"}
ATTRIBUTE_FIELDS |= {"order", "description", "values"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
W3C_WITA = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00")
REPORTER = {
    "email": "warga.penguji@example.com",
    "phone": "+62 812-0000-9876",
    "first_name": "Warga",
    "last_name": "Penguji",
    "device_id": "perangkat-uji-77",
    "account_id": "akun-uji-77",
}
Json = dict[str, Any]
ClientFactory = Callable[[Starlette], AbstractAsyncContextManager[httpx.AsyncClient]]


def sample_document() -> Json:
    document: Json = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return document


def contact_strings() -> set[str]:
    """Every reporter detail the server stores: none may appear in any response."""
    found = {REPORTER["email"], REPORTER["phone"], REPORTER["device_id"], REPORTER["account_id"]}
    for sample in sample_document()["requests"]:
        reporter = sample.get("reporter") or {}
        found |= {reporter[name] for name in ("email", "phone") if reporter.get(name)}
        found.add(f"{reporter.get('first_name')} {reporter.get('last_name')}")
    return found - {"None None"}


CONTACTS = contact_strings()


async def refuse_contact_details(response: httpx.Response) -> None:
    """Response hook of every test client: fails on any reporter detail in a response."""
    await response.aread()
    text = response.content.decode("utf-8", errors="replace")
    leaked = sorted(value for value in CONTACTS if value in text)
    assert not leaked, f"{response.request.url} revealed {leaked}"


@pytest.fixture
def connect() -> ClientFactory:
    @asynccontextmanager
    async def open_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app)
        hooks = {"response": [refuse_contact_details]}
        async with httpx.AsyncClient(transport=transport, base_url=BASE, event_hooks=hooks) as c:
            yield c

    return open_client


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "open311.sqlite3"


@pytest.fixture
def app(database: Path) -> Starlette:
    return create_open311_app(database=database)


@pytest.fixture
async def client(app: Starlette, connect: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with connect(app) as http:
        yield http


@pytest.fixture
def samples() -> list[Json]:
    found: list[Json] = sample_document()["requests"]
    return found


def report(**changes: Any) -> dict[str, Any]:
    """A valid POST requests form for a damaged road, with ``changes`` (None removes)."""
    form: dict[str, Any] = {
        "api_key": KEY,
        "service_code": "jalan-rusak",
        "address_string": "Jl. MT Haryono blok AA, Sepinggan Baru, Balikpapan",
        "attribute[tingkat_kerusakan]": "berat",
        "attribute[lebar_lubang_cm]": "60",
        "description": "Lubang dalam di lajur kiri, berbahaya bagi sepeda motor.",
        **REPORTER,
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


async def post(http: httpx.AsyncClient, form: dict[str, Any], **headers: str) -> httpx.Response:
    return await http.post("/requests.json", data=form, headers=headers)


async def listed(http: httpx.AsyncClient, path: str = "/requests.json", **params: Any) -> Any:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def assert_error(response: httpx.Response, status: int, *quotes: str) -> str:
    """The response is the spec's error array with ``status``; returns all descriptions."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    errors = response.json()
    assert isinstance(errors, list) and errors
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in errors)
    text = " ".join(e["description"] for e in errors)
    for quote in quotes:
        assert quote in text, text
    return text


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def days_ago(days: float) -> str:
    return (datetime.now(WITA) - timedelta(days=days)).isoformat(timespec="seconds")


def links(response: httpx.Response) -> dict[str, str]:
    found = re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))
    return {rel: href for href, rel in found}


async def test_services_in_both_url_forms(client: httpx.AsyncClient) -> None:
    plain, suffixed = await client.get("/services"), await client.get("/services.json")
    assert plain.status_code == suffixed.status_code == 200
    assert plain.json() == suffixed.json()
    assert plain.headers["content-type"] == "application/json; charset=utf-8"
    assert plain.headers["cache-control"] == "public, max-age=60"
    services = plain.json()
    assert [s["service_code"] for s in services] == [
        "jalan-rusak",
        "lampu-jalan",
        "drainase-banjir",
        "sampah",
        "air-bersih",
        "ketertiban-umum",
        "pelayanan-publik",
        "pohon-tumbang",
    ]
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] == "realtime"
        assert isinstance(service["keywords"], str) and "," in service["keywords"]
        assert " / " in service["description"]  # Indonesian / English


async def test_services_are_batch_when_ids_are_deferred(
    database: Path, connect: ClientFactory
) -> None:
    async with connect(create_open311_app(database=database, deferred_ids=True)) as http:
        services = await listed(http, "/services.json")
    assert {s["type"] for s in services} == {"batch"}


async def test_service_definitions_in_both_url_forms(client: httpx.AsyncClient) -> None:
    for service in await listed(client, "/services.json"):
        code = service["service_code"]
        plain = await listed(client, f"/services/{code}")
        assert plain == await listed(client, f"/services/{code}.json")
        assert set(plain) == {"service_code", "attributes"} and plain["service_code"] == code
        attributes = plain["attributes"]
        assert 1 <= len(attributes) <= 3
        assert [a["order"] for a in attributes] == sorted({a["order"] for a in attributes})
        for attribute in attributes:
            assert set(attribute) == ATTRIBUTE_FIELDS and attribute["datatype"] in DATATYPES
            is_list = attribute["datatype"].endswith("valuelist")
            assert bool(attribute["values"]) == is_list
            assert all(set(v) == {"key", "name"} for v in attribute["values"])


async def test_service_definitions_hold_the_documented_attributes(
    client: httpx.AsyncClient,
) -> None:
    async def attribute(code: str, name: str) -> Json:
        definition = await listed(client, f"/services/{code}.json")
        found: Json = next(a for a in definition["attributes"] if a["code"] == name)
        return found

    roads = await attribute("jalan-rusak", "tingkat_kerusakan")
    assert (roads["datatype"], roads["required"]) == ("singlevaluelist", True)
    assert [v["key"] for v in roads["values"]] == ["ringan", "sedang", "berat"]
    pole = await attribute("lampu-jalan", "nomor_tiang")
    assert (pole["datatype"], pole["required"]) == ("string", False)
    water = await attribute("drainase-banjir", "ketinggian_air_cm")
    assert (water["datatype"], water["required"]) == ("number", True)
    waste = await attribute("sampah", "jenis_sampah")
    assert waste["datatype"] == "multivaluelist"
    info = await attribute("pohon-tumbang", "info_darurat")
    assert info["variable"] is False


async def test_unknown_service_definition_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/services/jalan-berlubang.json")
    assert_error(response, 404, "'jalan-berlubang'", "jalan-rusak")


async def test_default_window_is_the_last_90_days(
    client: httpx.AsyncClient, samples: list[Json]
) -> None:
    response = await client.get("/requests", params={"page_size": 200})
    assert response.headers["cache-control"] == "public, max-age=60"
    found = response.json()
    recent = [s for s in samples if s["requested_days_ago"] <= 90]
    assert int(response.headers["x-total-count"]) == len(found) == len(recent)
    assert len(recent) < len(samples), "the data needs reports older than 90 days"
    times = [moment(r["requested_datetime"]) for r in found]
    assert times == sorted(times, reverse=True)
    oldest_allowed = datetime.now(WITA) - timedelta(days=90, seconds=5)
    assert all(t >= oldest_allowed for t in times)
    assert found == await listed(client, "/requests.json", page_size=200)


async def test_explicit_range_finds_older_reports(
    client: httpx.AsyncClient, samples: list[Json]
) -> None:
    start = (datetime.now(WITA) - timedelta(days=151)).astimezone(UTC)
    params = {"start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": days_ago(91)}
    found = await listed(client, **params)
    expected = [s for s in samples if 91 < s["requested_days_ago"] <= 151]
    assert expected and len(found) == len(expected)
    assert {r["description"] for r in found} == {s["description"] for s in expected}


async def test_only_a_start_date_covers_the_90_days_after_it(
    client: httpx.AsyncClient, samples: list[Json]
) -> None:
    found = await listed(client, start_date=days_ago(97.5), page_size=200)
    expected = [s for s in samples if 7.5 < s["requested_days_ago"] <= 97.5]
    assert len(found) == len(expected)


async def test_a_range_longer_than_90_days_is_refused(client: httpx.AsyncClient) -> None:
    start, end = days_ago(120), days_ago(0)
    response = await client.get("/requests.json", params={"start_date": start, "end_date": end})
    assert_error(response, 400, "90 days", repr(start))


@pytest.mark.parametrize(
    ("params", "quotes"),
    [
        ({"start_date": "yesterday"}, ("start_date", "'yesterday'")),
        ({"end_date": "2025-01-15T08:00:00"}, ("end_date", "time zone")),
        ({"start_date": "2025-13-01T00:00:00Z"}, ("start_date", "'2025-13-01T00:00:00Z'")),
        (
            {"start_date": "2025-02-01T00:00:00Z", "end_date": "2025-01-01T00:00:00Z"},
            ("is before start_date",),
        ),
        ({"status": "pending"}, ("status", "'pending'", "open, closed")),
        ({"service_code": "sampah,banjir"}, ("service_code", "'banjir'")),
        ({"page": "0"}, ("'page'", "'0'")),
        ({"page_size": "201"}, ("'page_size'", "200")),
        ({"page_size": "lima"}, ("'page_size'", "'lima'")),
    ],
    ids=[
        "not-a-date",
        "no-zone",
        "month-13",
        "end-before-start",
        "unknown-status",
        "unknown-code",
        "page-0",
        "page-size-too-big",
        "page-size-not-a-number",
    ],
)
async def test_bad_query_parameters_are_named(
    client: httpx.AsyncClient, params: dict[str, str], quotes: tuple[str, ...]
) -> None:
    assert_error(await client.get("/requests.json", params=params), 400, *quotes)


async def test_an_unencoded_plus_in_a_date_is_understood(client: httpx.AsyncClient) -> None:
    start = days_ago(29.5)
    encoded = await client.get(f"/requests.json?start_date={start.replace('+', '%2B')}")
    plain = await client.get(f"/requests.json?start_date={start}")  # '+' arrives as ' '
    assert encoded.status_code == plain.status_code == 200
    assert encoded.json() == plain.json()


async def test_filters_by_service_code_and_status(
    client: httpx.AsyncClient, samples: list[Json]
) -> None:
    found = await listed(client, service_code="sampah,air-bersih", status="closed")
    recent = [s for s in samples if s["requested_days_ago"] <= 90]
    expected = [
        s
        for s in recent
        if s["service_code"] in ("sampah", "air-bersih") and s["status"] == "closed"
    ]
    assert expected and len(found) == len(expected)
    assert all(r["status"] == "closed" for r in found)
    assert {r["service_code"] for r in found} == {"sampah", "air-bersih"}
    repeated = await client.get("/requests.json?status=open&status=closed&page_size=200")
    assert int(repeated.headers["x-total-count"]) == len(recent)


async def test_service_request_id_overrides_every_other_parameter(
    client: httpx.AsyncClient,
) -> None:
    old = (await listed(client, start_date=days_ago(151), end_date=days_ago(91)))[0]
    recent = (await listed(client))[0]
    ids = f"{recent['service_request_id']},{old['service_request_id']},BPN-999999"
    params = {"service_request_id": ids, "status": "pending", "start_date": "nonsense"}
    response = await client.get("/requests.json", params=params)
    assert response.status_code == 200, response.text
    assert {r["service_request_id"] for r in response.json()} == {
        recent["service_request_id"],
        old["service_request_id"],
    }
    assert response.headers["x-total-count"] == "2" and "link" not in response.headers


async def test_paging_walks_every_report_once(client: httpx.AsyncClient) -> None:
    everything = await listed(client, page_size=200)
    seen: list[str] = []
    response = await client.get("/requests.json", params={"page_size": 7})
    pages = 1
    while "next" in links(response):
        assert len(response.json()) == 7
        seen += [r["service_request_id"] for r in response.json()]
        assert links(response)["next"].startswith(f"{BASE}/requests.json?")
        response = await client.get(links(response)["next"])
        pages += 1
    seen += [r["service_request_id"] for r in response.json()]
    assert 1 <= len(response.json()) <= 7  # the last page
    assert pages == math.ceil(len(everything) / 7)
    assert seen == [r["service_request_id"] for r in everything]
    assert set(links(response)) == {"first", "prev", "last"}
    assert links(response)["last"].endswith(f"&page={pages}")
    assert int(response.headers["x-total-count"]) == len(everything)


async def test_a_page_after_the_last_is_empty(client: httpx.AsyncClient) -> None:
    response = await client.get("/requests.json", params={"page": 99, "page_size": 50})
    assert response.status_code == 200 and response.json() == []
    assert "next" not in links(response) and "page=2" in links(response)["prev"]


async def test_a_single_request_in_both_url_forms(client: httpx.AsyncClient) -> None:
    first = (await listed(client))[0]
    rid = first["service_request_id"]
    plain = await client.get(f"/requests/{rid}")
    suffixed = await client.get(f"/requests/{rid}.json")
    assert plain.status_code == suffixed.status_code == 200
    assert plain.json() == suffixed.json() == [first]
    assert plain.headers["cache-control"] == "public, max-age=60"
    assert_error(await client.get("/requests/BPN-999999.json"), 404, "'BPN-999999'")


async def test_served_requests_have_the_spec_fields(client: httpx.AsyncClient) -> None:
    found = await listed(client, page_size=200)
    found += await listed(client, start_date=days_ago(151), end_date=days_ago(91))
    for item in found:
        assert set(item) == REQUEST_FIELDS
        assert item["status"] in ("open", "closed") and item["district"] in KECAMATAN
        assert BBOX[0] <= item["long"] <= BBOX[2] and BBOX[1] <= item["lat"] <= BBOX[3]
        for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
            assert W3C_WITA.fullmatch(item[name]), item[name]
        assert moment(item["updated_datetime"]) >= moment(item["requested_datetime"])
        assert item["zipcode"].startswith("761") and item["agency_responsible"]
        if item["status"] == "closed":
            assert item["status_notes"]
    assert {item["district"] for item in found} == KECAMATAN
    closed = [item for item in found if item["status"] == "closed"]
    assert 0.5 <= len(closed) / len(found) <= 0.7
    overdue = [c for c in closed if c["updated_datetime"] > c["expected_datetime"]]
    assert len(overdue) >= 3


async def test_sample_media_is_served(client: httpx.AsyncClient) -> None:
    found = await listed(client, page_size=200)
    found += await listed(client, start_date=days_ago(151), end_date=days_ago(91))
    media = [item["media_url"] for item in found if item["media_url"]]
    assert len(media) >= 4
    for url in media:
        assert url.startswith(f"{BASE}/media/") and url.endswith(".svg")
        picture = await client.get(url)
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/svg+xml"
        assert picture.content.startswith(b"<svg")
    assert_error(await client.get("/media/tidak-ada.svg"), 404, "'tidak-ada.svg'")


async def test_urls_are_built_under_the_mount_prefix(
    app: Starlette, connect: ClientFactory
) -> None:
    outer = Starlette(routes=[Mount(PREFIX, app=app)])
    async with connect(outer) as http:
        response = await http.get(f"{PREFIX}/requests.json", params={"page_size": 200})
        assert response.status_code == 200
        assert links(response)["first"].startswith(f"{BASE}{PREFIX}/requests.json?")
        media = next(r["media_url"] for r in response.json() if r["media_url"])
        assert media.startswith(f"{BASE}{PREFIX}/media/")
        assert (await http.get(media)).status_code == 200
        created = await http.post(f"{PREFIX}/requests.json", data=report())
        assert created.headers["location"].startswith(f"{BASE}{PREFIX}/requests/")
    assert app.state.request_log.count("/media/") == 1  # paths relative to the mount


async def test_discovery_describes_this_endpoint(client: httpx.AsyncClient) -> None:
    for path in ("/", "/discovery", "/discovery.json"):
        document = await listed(client, path)
        endpoint = document["endpoints"][0]
        assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == BASE and endpoint["formats"] == ["application/json"]


async def test_post_creates_a_request_served_without_contact_details(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    before = app.state.store.count_requests()
    response = await post(client, report())
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None and created["service_notice"]
    rid = created["service_request_id"]
    assert response.headers["location"] == f"{BASE}/requests/{rid}.json"
    assert app.state.store.count_requests() == before + 1
    [served] = await listed(client, f"/requests/{rid}.json")
    assert set(served) == REQUEST_FIELDS  # no email, phone, names, device_id or account_id
    assert served["status"] == "open" and served["service_code"] == "jalan-rusak"
    assert served["address"] == report()["address_string"] and served["lat"] is None
    assert (served["district"], served["zipcode"]) == ("Balikpapan Selatan", "76115")
    assert served["agency_responsible"] == "Dinas Pekerjaan Umum Kota Balikpapan"
    promised = moment(served["expected_datetime"]) - moment(served["requested_datetime"])
    assert promised == timedelta(days=14)
    assert (await listed(client))[0] == served  # the newest report comes first


async def test_a_report_by_coordinates_gets_the_nearest_kecamatan(
    client: httpx.AsyncClient,
) -> None:
    form = report(address_string=None, lat="-1.2185", long="116.9705")  # Manggar
    response = await post(client, form)
    assert response.status_code == 201, response.text
    rid = response.json()[0]["service_request_id"]
    [served] = await listed(client, f"/requests/{rid}")
    assert served["district"] == "Balikpapan Timur"
    assert (served["lat"], served["long"]) == (-1.2185, 116.9705)


async def test_multivaluelist_values_in_both_forms(client: httpx.AsyncClient) -> None:
    waste = {"service_code": "sampah", "attribute[tingkat_kerusakan]": None}
    waste |= {"attribute[lebar_lubang_cm]": None}
    brackets = report(**waste, **{"attribute[jenis_sampah][]": ["plastik", "organik"]})
    assert (await post(client, brackets)).status_code == 201
    single = report(**waste, **{"attribute[jenis_sampah]": "b3"})
    assert (await post(client, single)).status_code == 201
    wrong = report(**waste, **{"attribute[jenis_sampah][]": ["plastik", "kaca"]})
    assert_error(await post(client, wrong), 400, "attribute[jenis_sampah]", "'kaca'")


@pytest.mark.parametrize(
    ("changes", "quotes"),
    [
        ({"service_code": None}, ("service_code is required",)),
        ({"address_string": None}, ("A location is required",)),
        ({"address_string": None, "lat": "-1.25"}, ("long is missing",)),
        ({"address_string": None, "lat": "-6.2", "long": "106.8"}, ("outside Balikpapan",)),
        ({"address_string": None, "lat": "utara", "long": "116.9"}, ("'utara'",)),
        ({"attribute[tingkat_kerusakan]": None}, ("attribute[tingkat_kerusakan] is required",)),
        ({"attribute[tingkat_kerusakan]": "parah"}, ("attribute[tingkat_kerusakan]", "'parah'")),
        ({"attribute[lebar_lubang_cm]": "lebar"}, ("attribute[lebar_lubang_cm]", "'lebar'")),
        ({"attribute[warna]": "merah"}, ("attribute[warna] is not an attribute",)),
        ({"description": "x" * 4001}, ("description is 4001 characters", "4000")),
        ({"media_url": "foto.jpg"}, ("media_url", "'foto.jpg'")),
        ({"email": "bukan-email"}, ("email must look like",)),
    ],
    ids=[
        "missing-service-code",
        "missing-location",
        "lat-without-long",
        "outside-the-city",
        "lat-not-a-number",
        "missing-required-attribute",
        "bad-singlevaluelist-key",
        "non-number-for-number",
        "unknown-attribute",
        "description-over-4000",
        "relative-media-url",
        "malformed-email",
    ],
)
async def test_post_validation_faults_are_named(
    app: Starlette, client: httpx.AsyncClient, changes: dict[str, Any], quotes: tuple[str, ...]
) -> None:
    before = app.state.store.count_requests()
    assert_error(await post(client, report(**changes)), 400, *quotes)
    assert app.state.store.count_requests() == before


async def test_post_without_or_with_a_wrong_api_key_is_403(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert_error(await post(client, report(api_key=None)), 403, "api_key is required")
    assert_error(await post(client, report(api_key="tebakan")), 403, "Invalid api_key")
    assert app.state.store.count_requests() == len(sample_document()["requests"])


async def test_post_for_an_unknown_service_is_404(client: httpx.AsyncClient) -> None:
    response = await post(client, report(service_code="jalan-berlubang"))
    assert_error(response, 404, "service_code 'jalan-berlubang' was not found", "jalan-rusak")


async def test_post_reports_every_problem_at_once(client: httpx.AsyncClient) -> None:
    changes = {"address_string": None, "attribute[tingkat_kerusakan]": None}
    response = await post(client, report(**changes, description="x" * 4001))
    assert len(response.json()) == 3
    assert_error(response, 400, "location", "tingkat_kerusakan", "4001")


async def test_post_without_the_json_suffix_and_4000_characters(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/requests", data=report(description="x" * 4000))
    assert response.status_code == 201, response.text
    rid = response.json()[0]["service_request_id"]
    assert len((await listed(client, f"/requests/{rid}"))[0]["description"]) == 4000


async def test_without_a_database_a_temporary_file_is_used(connect: ClientFactory) -> None:
    app = create_open311_app()
    path = app.state.store.path
    assert path.exists() and "kotahub-open311-" in str(path.parent)
    async with connect(app) as http:
        assert (await post(http, report())).status_code == 201
    del app, http
    gc.collect()
    assert not path.parent.exists()  # removed with the store


async def test_other_attribute_datatypes_are_checked(client: httpx.AsyncClient) -> None:
    flood = {"service_code": "drainase-banjir", "attribute[tingkat_kerusakan]": None}
    flood |= {"attribute[lebar_lubang_cm]": None, "attribute[ketinggian_air_cm]": "40"}
    late = report(**flood, **{"attribute[mulai_tergenang]": "kemarin sore"})
    assert_error(await post(client, late), 400, "attribute[mulai_tergenang]", "'kemarin sore'")
    ok = report(**flood, **{"attribute[mulai_tergenang]": "2025-01-15T16:30:00+08:00"})
    assert (await post(client, ok)).status_code == 201
    service = {"service_code": "pelayanan-publik", "attribute[tingkat_kerusakan]": None}
    service |= {"attribute[lebar_lubang_cm]": None, "attribute[nama_layanan]": "Izin\nreklame"}
    assert_error(await post(client, report(**service)), 400, "single line")
    service |= {"attribute[nama_layanan]": "Izin reklame", "attribute[kronologi]": "a\nb"}
    assert (await post(client, report(**service))).status_code == 201


async def test_post_must_be_form_encoded(client: httpx.AsyncClient) -> None:
    response = await client.post("/requests.json", json=report())
    assert_error(response, 400, "application/x-www-form-urlencoded", "'application/json'")


async def test_jurisdiction_id_is_checked(client: httpx.AsyncClient) -> None:
    assert (await client.get("/services.json?jurisdiction_id=balikpapan.go.id")).is_success
    wrong = await client.get("/requests.json", params={"jurisdiction_id": "samarinda.go.id"})
    assert_error(wrong, 404, "'samarinda.go.id'", "'balikpapan.go.id'")
    response = await post(client, report(jurisdiction_id="samarinda.go.id"))
    assert_error(response, 404, "'samarinda.go.id'")
    assert (await post(client, report(jurisdiction_id="balikpapan.go.id"))).status_code == 201


async def test_errors_are_spec_arrays(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/keluhan.json"), 404, "'/keluhan.json'")
    response = await client.delete("/requests.json")
    assert_error(response, 405, "DELETE")
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]
    assert_error(await client.get("/requests.xml"), 400, "'xml'")
    assert_error(await client.get("/services/sampah.xml"), 400, "XML")


async def test_unchanged_answers_are_not_modified(client: httpx.AsyncClient) -> None:
    first = await client.get("/services.json")
    again = await client.get("/services.json", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304


async def test_deferred_ids_appear_on_the_second_poll(
    database: Path, connect: ClientFactory
) -> None:
    app = create_open311_app(database=database, deferred_ids=True)
    async with connect(app) as http:
        total = len(await listed(http, page_size=200))
        response = await post(http, report())
        assert response.status_code == 201
        [answer] = response.json()
        assert set(answer) == {"token"}
        token = answer["token"]
        assert response.headers["location"] == f"{BASE}/tokens/{token}.json"
        first = await http.get(f"/tokens/{token}.json")
        assert first.headers["cache-control"] == "no-store"
        assert first.json() == [{"service_request_id": None, "token": token}]
        assert len(await listed(http, page_size=200)) == total  # not published yet
        [second] = await listed(http, f"/tokens/{token}")
        rid = second["service_request_id"]
        assert rid is not None and second["token"] == token
        assert (await listed(http, f"/requests/{rid}.json"))[0]["service_request_id"] == rid
        assert (await listed(http, f"/tokens/{token}.json"))[0]["service_request_id"] == rid
        assert_error(await http.get("/tokens/tidak-ada.json"), 404, "'tidak-ada'")


async def test_deferred_ids_appear_after_a_short_time(
    database: Path, connect: ClientFactory
) -> None:
    app = create_open311_app(database=database, deferred_ids=True)
    async with connect(app) as http:
        token = (await post(http, report())).json()[0]["token"]
        app.state.store.clock = lambda: time.time() + DEFER_SECONDS + 1
        [state] = await listed(http, f"/tokens/{token}.json")
    assert state["service_request_id"] is not None


async def test_an_idempotency_key_replays_the_first_answer(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    before = app.state.store.count_requests()
    first = await post(client, report(), **{"Idempotency-Key": "laporan-0001"})
    reordered = dict(reversed(list(report().items())))
    again = await post(client, reordered, **{"Idempotency-Key": '"laporan-0001"'})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert app.state.store.count_requests() == before + 1
    other = await post(client, report(), **{"Idempotency-Key": "laporan-0002"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


async def test_an_idempotency_key_with_another_body_is_422(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert (await post(client, report(), **{"Idempotency-Key": "k-1"})).status_code == 201
    changed = report(description="Deskripsi lain")
    assert_error(await post(client, changed, **{"Idempotency-Key": "k-1"}), 422, "'k-1'")
    bad = await post(client, report(), **{"Idempotency-Key": "x" * 256})
    assert_error(bad, 400, "Idempotency-Key")
    assert app.state.store.count_requests() == len(sample_document()["requests"]) + 1


async def test_idempotency_keys_belong_to_one_api_key(
    database: Path, connect: ClientFactory
) -> None:
    app = create_open311_app(database=database, api_keys=("kunci-a", "kunci-b"))
    async with connect(app) as http:
        a = await post(http, report(api_key="kunci-a"), **{"Idempotency-Key": "sama"})
        b = await post(http, report(api_key="kunci-b"), **{"Idempotency-Key": "sama"})
        assert_error(await post(http, report()), 403, "Invalid api_key")
    assert a.status_code == b.status_code == 201
    assert a.json()[0]["service_request_id"] != b.json()[0]["service_request_id"]


async def test_a_replayed_deferred_post_gets_the_same_token(
    database: Path, connect: ClientFactory
) -> None:
    app = create_open311_app(database=database, deferred_ids=True)
    async with connect(app) as http:
        first = await post(http, report(), **{"Idempotency-Key": "token-1"})
        again = await post(http, report(), **{"Idempotency-Key": "token-1"})
    assert first.json() == again.json() and "token" in first.json()[0]


async def test_reports_tokens_and_keys_survive_a_restart(
    database: Path, connect: ClientFactory
) -> None:
    async with connect(create_open311_app(database=database)) as http:
        created = await post(http, report(), **{"Idempotency-Key": "restart-1"})
        rid = created.json()[0]["service_request_id"]
    async with connect(create_open311_app(database=database, deferred_ids=True)) as http:
        token = (await post(http, report(description="kedua"))).json()[0]["token"]
    restarted = create_open311_app(database=database)
    restarted.state.store.set_status(rid, "closed", "Sudah ditambal.", "UPTD Jalan")
    async with connect(restarted) as http:
        [served] = await listed(http, f"/requests/{rid}.json")
        assert (served["status"], served["status_notes"]) == ("closed", "Sudah ditambal.")
        assert served["agency_responsible"] == "UPTD Jalan"
        again = await post(http, report(), **{"Idempotency-Key": "restart-1"})
        assert again.json() == created.json()
        await http.get(f"/tokens/{token}.json")
        [state] = await listed(http, f"/tokens/{token}.json")
        assert state["service_request_id"] is not None
    samples = len(sample_document()["requests"])
    assert restarted.state.store.count_requests() == samples + 2  # not seeded twice


async def test_sample_reports_are_reanchored_to_the_current_time(database: Path) -> None:
    catalogue = Catalogue.load()
    start = time.time()
    Open311Store(database, catalogue, clock=lambda: start).prepare()
    later = start + 45 * 86_400
    store = Open311Store(database, catalogue, clock=lambda: later)
    store.prepare()
    now = datetime.fromtimestamp(later, WITA)
    page = store.search(RequestsQuery(start=now - timedelta(days=90), end=now, page_size=200))
    recent = [s for s in catalogue.samples if s["requested_days_ago"] <= 90]
    assert page.total == len(recent)


async def test_store_helpers_for_the_hub_tests(app: Starlette) -> None:
    store = app.state.store
    assert store.count_requests() == len(sample_document()["requests"])
    store.set_status("BPN-000064", "closed", "Saluran sudah dibersihkan.")
    changed = store.get("BPN-000064")
    assert changed is not None and changed.status == "closed"
    assert changed.status_notes == "Saluran sudah dibersihkan."
    assert changed.agency_responsible == "Dinas Pekerjaan Umum Kota Balikpapan"
    assert abs(changed.updated_at - time.time()) < 5
    with pytest.raises(KeyError):
        store.set_status("BPN-999999", "open")
    with pytest.raises(ValueError, match="status"):
        store.set_status("BPN-000064", "selesai")


async def test_no_response_reveals_reporter_contact_details(
    database: Path, app: Starlette, client: httpx.AsyncClient
) -> None:
    """Every answer passes refuse_contact_details; this walks every kind of answer."""
    created = await post(client, report())
    rid = created.json()[0]["service_request_id"]
    await post(client, report(api_key="salah"))
    await post(client, report(address_string=None, email="bukan email", phone="x"))
    every = await listed(client, page_size=200)
    every += await listed(client, start_date=days_ago(151), end_date=days_ago(91))
    assert rid in {item["service_request_id"] for item in every}
    for item in every:
        assert not set(item) & set(CONTACT_FIELDS)
        await client.get(f"/requests/{item['service_request_id']}.json")
        if item["media_url"]:
            await client.get(item["media_url"])
    for service in await listed(client, "/services.json"):
        await client.get(f"/services/{service['service_code']}.json")
    with sqlite3.connect(database) as conn:  # stored, as a real server would
        emails = {row[0] for row in conn.execute("SELECT email FROM reporters")}
    assert REPORTER["email"] in emails and len(emails) > 40


def test_sample_data_is_marked_and_spread_over_the_city() -> None:
    document = sample_document()
    catalogue = Catalogue.load()
    assert document["sample"] is True and "sample" in document["note"].lower()
    requests = document["requests"]
    assert len(requests) >= 60
    districts = [catalogue.by_kelurahan[r["kelurahan"]].district for r in requests]
    assert {d: districts.count(d) >= 8 for d in KECAMATAN} == dict.fromkeys(KECAMATAN, True)
    assert {r["service_code"] for r in requests} == set(catalogue.by_code)
    assert sum(r["requested_days_ago"] > 90 for r in requests) >= 3
    assert sum(bool(r.get("media")) for r in requests) >= 4
    for sample in requests:
        service = catalogue.by_code[sample["service_code"]]
        given = {
            code: value if isinstance(value, list) else [value]
            for code, value in sample["attributes"].items()
        }
        assert check_attributes(service, given)[1] == [], sample["description"]
        reporter = sample.get("reporter")
        if reporter:
            assert reporter["email"].endswith("@example.com")
            assert reporter["phone"].startswith("+62 812-0000-")
    agencies = {a["name"] for a in document["agencies"]}
    assert {s.agency for s in catalogue.services} <= agencies
    assert "Perumda Tirta Manuntung Balikpapan" in agencies


async def test_the_request_log_sees_every_request(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    await client.get("/services.json")
    await post(client, report())
    methods = [method for method, _, _ in app.state.request_log.requests]
    assert methods == ["GET", "POST"]
