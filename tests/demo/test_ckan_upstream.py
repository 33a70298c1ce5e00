"""Tests for the reference CKAN upstream (Action API: package_search, datastore_search)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.ckan import create_ckan_app
from kotahub.demo.ckan_store import DATA_FILE, DIMENSIONS
from kotahub.demo.request_log import RequestLog
from tests.support.upstream_http import assert_conditional_get

BASE = "http://ckan.test"
ACTION = "/api/3/action/"
PACKAGES = f"{ACTION}package_search"
DATASTORE = f"{ACTION}datastore_search"
RESOURCE = "b2c3e1f0-7d4a-4e8b-9c61-5a3f0e8d2b71"
COLUMNS = [
    "_id",
    "program",
    "indicator",
    "name_id",
    "name_en",
    "unit",
    "target",
    "direction",
    "period",
    "value",
    "iso37120_theme",
    "frequency",
    "calculation_period",
    "source",
    "sample",
]


@pytest.fixture
def ckan_app() -> Starlette:
    return create_ckan_app()


@pytest.fixture
async def ckan_client(ckan_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=ckan_app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def ckan_data() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return document


def extras(package: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in package["extras"]}


async def result_of(http: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert body["help"].startswith(f"{BASE}{ACTION}help_show?name=")
    result: dict[str, Any] = body["result"]
    return result


async def error_of(http: httpx.AsyncClient, path: str, status: int, **params: Any) -> Any:
    response = await http.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    if isinstance(body, dict):
        assert body["success"] is False
        return body["error"]
    return body


async def all_records(http: httpx.AsyncClient, first: str) -> tuple[list[dict[str, Any]], int]:
    """Follow ``_links.next`` until a page has no records; the rows and the page count."""
    rows: list[dict[str, Any]] = []
    target, pages = first, 0
    while True:
        response = await http.get(target)
        assert response.status_code == 200, response.text
        result = response.json()["result"]
        pages += 1
        assert pages <= 50, "paging does not end"
        if not result["records"]:
            return rows, pages
        rows += result["records"]
        target = result["_links"]["next"]


async def test_package_search_envelope_and_defaults(ckan_client: httpx.AsyncClient) -> None:
    result = await result_of(ckan_client, PACKAGES)
    assert set(result) == {"count", "results", "sort", "facets", "search_facets"}
    assert result["sort"] == "name asc"
    assert result["count"] >= 15
    assert len(result["results"]) == 10
    names = [p["name"] for p in result["results"]]
    assert names == sorted(names)


async def test_every_dimension_has_at_least_two_programs(ckan_client: httpx.AsyncClient) -> None:
    for dimension in DIMENSIONS:
        fq = f'extras_dimension:"{dimension}"'
        result = await result_of(ckan_client, PACKAGES, fq=fq, rows=100)
        assert result["count"] >= 2, dimension
        assert result["count"] == len(result["results"])
        assert {extras(p)["dimension"] for p in result["results"]} == {dimension}


async def test_program_shape(ckan_client: httpx.AsyncClient) -> None:
    result = await result_of(ckan_client, PACKAGES, rows=1000)
    for package in result["results"]:
        where = package["name"]
        assert package["state"] == "active", where
        assert package["organization"]["title"].endswith("Kota Balikpapan"), where
        assert {"dimension", "status", "title_en", "notes_en"} <= set(extras(package)), where
        assert extras(package)["indicator_resource_id"] == RESOURCE, where
        assert extras(package)["status"] in {"berjalan", "selesai", "rencana"}, where
        assert package["url"].startswith("https://") and "balikpapan.go.id" in package["url"]
        assert package["resources"] and package["tags"], where
        assert "contoh" in package["notes"], where


async def test_fq_terms_combine_with_and(ckan_client: httpx.AsyncClient) -> None:
    both = "extras_dimension:branding AND tags:e-ticketing"
    result = await result_of(ckan_client, PACKAGES, fq=both)
    assert [p["name"] for p in result["results"]] == ["e-ticketing-pantai"]
    spaced = await result_of(ckan_client, PACKAGES, fq="organization:dlh state:active")
    assert spaced["count"] == 3
    assert all(p["organization"]["name"] == "dlh" for p in spaced["results"])
    by_name = await result_of(ckan_client, PACKAGES, fq='name:"bank-sampah"')
    assert by_name["count"] == 1


async def test_q_searches_title_notes_and_tags(ckan_client: httpx.AsyncClient) -> None:
    waste = await result_of(ckan_client, PACKAGES, q="BANK sampah")
    assert "bank-sampah" in [p["name"] for p in waste["results"]]
    tagged = await result_of(ckan_client, PACKAGES, q="mangrove")
    assert [p["name"] for p in tagged["results"]] == ["konservasi-mangrove"]
    nothing = await result_of(ckan_client, PACKAGES, q="tidak-ada-program-ini")
    assert nothing == {**nothing, "count": 0, "results": []}


async def test_package_paging_with_rows_and_start(ckan_client: httpx.AsyncClient) -> None:
    everything = await result_of(ckan_client, PACKAGES, rows=1000)
    seen: list[str] = []
    for start in range(0, everything["count"], 4):
        page = await result_of(ckan_client, PACKAGES, rows=4, start=start)
        assert page["count"] == everything["count"]
        seen += [p["name"] for p in page["results"]]
    assert seen == [p["name"] for p in everything["results"]]
    past = await result_of(ckan_client, PACKAGES, start=1000)
    assert past["results"] == [] and past["count"] == everything["count"]


async def test_package_sort(ckan_client: httpx.AsyncClient) -> None:
    recent = await result_of(ckan_client, PACKAGES, sort="metadata_modified desc", rows=100)
    stamps = [p["metadata_modified"] for p in recent["results"]]
    assert stamps == sorted(stamps, reverse=True)
    titled = await result_of(ckan_client, PACKAGES, sort="title asc", rows=100)
    titles = [p["title"].casefold() for p in titled["results"]]
    assert titles == sorted(titles)
    assert titled["sort"] == "title asc"


async def test_package_search_by_post(ckan_client: httpx.AsyncClient) -> None:
    body = {"fq": "extras_dimension:environment", "rows": 1, "start": 1}
    response = await ckan_client.post(PACKAGES, json=body)
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["count"] == 3 and len(result["results"]) == 1


async def test_package_search_validation_errors(ckan_client: httpx.AsyncClient) -> None:
    cases = [("rows", "lots"), ("start", "-1"), ("sort", "colour asc"), ("fq", "foo:bar")]
    cases += [("fq", "name:"), ("sort", "name sideways")]
    for param, value in cases:
        error = await error_of(ckan_client, PACKAGES, 409, **{param: value})
        assert error["__type"] == "Validation Error"
        assert list(error) == ["__type", param], (param, value)
        assert error[param] and isinstance(error[param][0], str)


async def test_rows_are_capped_at_1000(ckan_client: httpx.AsyncClient) -> None:
    result = await result_of(ckan_client, PACKAGES, rows=5000)
    assert len(result["results"]) == result["count"]


async def test_indicator_dataset_holds_the_datastore_resource(
    ckan_client: httpx.AsyncClient,
) -> None:
    result = await result_of(ckan_client, PACKAGES, fq="name:indikator-smart-city")
    (package,) = result["results"]
    assert extras(package).get("dimension") in (None, "all")
    resource = package["resources"][0]
    assert resource["id"] == RESOURCE and resource["datastore_active"] is True


async def test_datastore_envelope_and_columns(ckan_client: httpx.AsyncClient) -> None:
    result = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, limit=3)
    assert [f["id"] for f in result["fields"]] == COLUMNS
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types["_id"] == "int" and types["value"] == types["target"] == "numeric"
    assert result["resource_id"] == RESOURCE
    assert result["total"] >= 120 and result["limit"] == 3 and result["offset"] == 0
    assert [r["_id"] for r in result["records"]] == [1, 2, 3]
    assert list(result["records"][0]) == COLUMNS
    assert result["_links"]["start"].startswith(f"{DATASTORE}?")
    assert result["_links"]["next"].endswith("&offset=3")


async def test_datastore_paging_follows_next_links(ckan_client: httpx.AsyncClient) -> None:
    first = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, limit=50)
    rows, pages = await all_records(ckan_client, f"{DATASTORE}?resource_id={RESOURCE}&limit=50")
    assert len(rows) == first["total"]
    assert sorted(r["_id"] for r in rows) == list(range(1, first["total"] + 1))
    assert pages == -(-first["total"] // 50) + 1
    assert pages >= 4


async def test_indicator_series(ckan_client: httpx.AsyncClient, ckan_data: dict[str, Any]) -> None:
    rows, _ = await all_records(ckan_client, f"{DATASTORE}?resource_id={RESOURCE}&limit=1000")
    programs = {p["name"] for p in ckan_data["packages"]} - {"indikator-smart-city"}
    series: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        series.setdefault((row["program"], row["indicator"]), []).append(row)
        assert row["sample"] is True and row["frequency"] == "yearly"
        assert row["direction"] in ("increase", "decrease")
        assert row["calculation_period"] == f"{row['period']}-01-01/{row['period']}-12-31"
    assert {program for program, _ in series} == programs
    per_program: dict[str, int] = {}
    for (program, _), points in series.items():
        per_program[program] = per_program.get(program, 0) + 1
        assert len(points) in (4, 5)
    assert set(per_program.values()) <= {1, 2, 3}


async def test_datastore_filters(ckan_client: httpx.AsyncClient) -> None:
    filters = json.dumps({"program": "bank-sampah", "period": ["2021", "2025"]})
    result = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, filters=filters)
    assert result["total"] == 6
    assert {(r["program"], r["period"]) for r in result["records"]} == {
        ("bank-sampah", "2021"),
        ("bank-sampah", "2025"),
    }
    link = result["_links"]["next"]
    assert "filters=" in link and "bank-sampah" in httpx.URL(link).params["filters"]


async def test_datastore_q_sort_fields(ckan_client: httpx.AsyncClient) -> None:
    result = await result_of(
        ckan_client,
        DATASTORE,
        resource_id=RESOURCE,
        q="mangrove",
        sort="indicator asc, value desc",
        fields="indicator,value,period",
    )
    assert [f["id"] for f in result["fields"]] == ["indicator", "value", "period"]
    keys = [(r["indicator"], -r["value"]) for r in result["records"]]
    assert keys == sorted(keys) and result["total"] == 10
    assert all(list(r) == ["indicator", "value", "period"] for r in result["records"])


async def test_datastore_limit_and_offset(ckan_client: httpx.AsyncClient) -> None:
    whole = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, limit=40)
    part = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, limit=10, offset=30)
    assert part["records"] == whole["records"][30:40]
    assert part["_links"]["next"].endswith("offset=40")
    default = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE)
    assert default["limit"] == 100 and len(default["records"]) == 100
    capped = await result_of(ckan_client, DATASTORE, resource_id=RESOURCE, limit=99999)
    assert capped["limit"] == 32000 and len(capped["records"]) == capped["total"]


async def test_datastore_search_by_post(ckan_client: httpx.AsyncClient) -> None:
    body = {"resource_id": RESOURCE, "filters": {"indicator": "GOV-03"}, "limit": 2}
    response = await ckan_client.post(DATASTORE, json=body)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["total"] == 5 and len(result["records"]) == 2
    rows, _ = await all_records(ckan_client, result["_links"]["start"])
    assert len(rows) == 5


async def test_datastore_validation_errors(ckan_client: httpx.AsyncClient) -> None:
    cases: list[tuple[str, dict[str, str]]] = [
        ("resource_id", {}),
        ("filters", {"filters": "{not json"}),
        ("filters", {"filters": "[1, 2]"}),
        ("filters", {"filters": '{"colour": "red"}'}),
        ("limit", {"limit": "ten"}),
        ("offset", {"offset": "-5"}),
        ("sort", {"sort": "colour desc"}),
        ("sort", {"sort": "value upwards"}),
        ("fields", {"fields": "program,colour"}),
    ]
    for param, params in cases:
        query = params if param == "resource_id" else {"resource_id": RESOURCE, **params}
        error = await error_of(ckan_client, DATASTORE, 409, **query)
        assert error["__type"] == "Validation Error", params
        assert list(error) == ["__type", param], params
        assert isinstance(error[param], list) and error[param][0], params


async def test_unknown_resource_is_not_found(ckan_client: httpx.AsyncClient) -> None:
    error = await error_of(ckan_client, DATASTORE, 404, resource_id="tidak-ada")
    assert error == {
        "__type": "Not Found Error",
        "message": 'Not found: Resource "tidak-ada" was not found.',
    }


async def test_unknown_action_and_bad_post_body(ckan_client: httpx.AsyncClient) -> None:
    body = await error_of(ckan_client, f"{ACTION}package_delete", 400)
    assert body == "Bad request - Action name not known: package_delete"
    response = await ckan_client.post(PACKAGES, content=b"[1, 2]")
    assert response.status_code == 400
    assert response.json().startswith("Bad request - Bad request data")
    response = await ckan_client.post(PACKAGES, content=b"{oops")
    assert response.status_code == 400 and "JSON Error" in response.json()


async def test_caching_headers(ckan_client: httpx.AsyncClient) -> None:
    await assert_conditional_get(ckan_client, PACKAGES)
    failed = await ckan_client.get(DATASTORE)
    assert "etag" not in failed.headers


async def test_links_work_when_mounted_under_a_prefix() -> None:
    upstream = create_ckan_app()
    hub = Starlette(routes=[Mount("/dimensions/ckan", app=upstream)])
    transport = httpx.ASGITransport(app=hub)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        first = f"/dimensions/ckan{DATASTORE}?resource_id={RESOURCE}&limit=50"
        body = (await http.get(first)).json()
        assert (
            body["help"]
            == "http://hub.test/dimensions/ckan/api/3/action/help_show?name=datastore_search"
        )
        links = body["result"]["_links"]
        assert links["start"] == f"/dimensions/ckan{DATASTORE}?resource_id={RESOURCE}&limit=50"
        assert links["next"] == f"{links['start']}&offset=50"
        rows, pages = await all_records(http, first)
    assert len(rows) == body["result"]["total"]
    log: RequestLog = upstream.state.request_log
    assert log.count(DATASTORE) == pages + 1


async def test_request_log_and_latency() -> None:
    app = create_ckan_app(latency_ms=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        await http.get(PACKAGES, params={"rows": 1})
    log: RequestLog = app.state.request_log
    assert log.requests == [("GET", PACKAGES, "rows=1")]
