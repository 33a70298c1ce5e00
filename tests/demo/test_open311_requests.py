"""Reference Open311 upstream, GET requests: date windows, filters, paging, media."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from kotahub.demo.open311_time import WITA
from tests.support.open311_client import (
    BASE,
    BBOX,
    KECAMATAN,
    REQUEST_FIELDS,
    W3C_WITA,
    Json,
    assert_error,
    days_ago,
    links,
    listed,
    moment,
)

BAD_QUERIES = [
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
]
BAD_QUERIES_IDS = [
    "not-a-date",
    "no-zone",
    "month-13",
    "end-before-start",
    "unknown-status",
    "unknown-code",
    "page-0",
    "page-size-too-big",
    "page-size-not-a-number",
]


async def test_default_window_is_the_last_90_days(
    open311_client: httpx.AsyncClient, open311_samples: list[Json]
) -> None:
    response = await open311_client.get("/requests", params={"page_size": 200})
    assert response.headers["cache-control"] == "public, max-age=60"
    found = response.json()
    recent = [s for s in open311_samples if s["requested_days_ago"] <= 90]
    assert int(response.headers["x-total-count"]) == len(found) == len(recent)
    assert len(recent) < len(open311_samples), "the data needs reports older than 90 days"
    times = [moment(r["requested_datetime"]) for r in found]
    assert times == sorted(times, reverse=True)
    oldest_allowed = datetime.now(WITA) - timedelta(days=90, seconds=5)
    assert all(t >= oldest_allowed for t in times)
    assert found == await listed(open311_client, "/requests.json", page_size=200)


async def test_explicit_range_finds_older_reports(
    open311_client: httpx.AsyncClient, open311_samples: list[Json]
) -> None:
    start = (datetime.now(WITA) - timedelta(days=151)).astimezone(UTC)
    params = {"start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"), "end_date": days_ago(91)}
    found = await listed(open311_client, **params)
    expected = [s for s in open311_samples if 91 < s["requested_days_ago"] <= 151]
    assert expected and len(found) == len(expected)
    assert {r["description"] for r in found} == {s["description"] for s in expected}


async def test_only_a_start_date_covers_the_90_days_after_it(
    open311_client: httpx.AsyncClient, open311_samples: list[Json]
) -> None:
    found = await listed(open311_client, start_date=days_ago(97.5), page_size=200)
    expected = [s for s in open311_samples if 7.5 < s["requested_days_ago"] <= 97.5]
    assert len(found) == len(expected)


async def test_a_range_longer_than_90_days_is_refused(open311_client: httpx.AsyncClient) -> None:
    start, end = days_ago(120), days_ago(0)
    response = await open311_client.get(
        "/requests.json", params={"start_date": start, "end_date": end}
    )
    assert_error(response, 400, "90 days", repr(start))


@pytest.mark.parametrize(("params", "quotes"), BAD_QUERIES, ids=BAD_QUERIES_IDS)
async def test_bad_query_parameters_are_named(
    open311_client: httpx.AsyncClient, params: dict[str, str], quotes: tuple[str, ...]
) -> None:
    assert_error(await open311_client.get("/requests.json", params=params), 400, *quotes)


async def test_an_unencoded_plus_in_a_date_is_understood(open311_client: httpx.AsyncClient) -> None:
    start = days_ago(29.5)
    encoded = await open311_client.get(f"/requests.json?start_date={start.replace('+', '%2B')}")
    plain = await open311_client.get(f"/requests.json?start_date={start}")  # '+' arrives as ' '
    assert encoded.status_code == plain.status_code == 200
    assert encoded.json() == plain.json()


async def test_filters_by_service_code_and_status(
    open311_client: httpx.AsyncClient, open311_samples: list[Json]
) -> None:
    found = await listed(open311_client, service_code="sampah,air-bersih", status="closed")
    recent = [s for s in open311_samples if s["requested_days_ago"] <= 90]
    expected = [
        s
        for s in recent
        if s["service_code"] in ("sampah", "air-bersih") and s["status"] == "closed"
    ]
    assert expected and len(found) == len(expected)
    assert all(r["status"] == "closed" for r in found)
    assert {r["service_code"] for r in found} == {"sampah", "air-bersih"}
    repeated = await open311_client.get("/requests.json?status=open&status=closed&page_size=200")
    assert int(repeated.headers["x-total-count"]) == len(recent)


async def test_service_request_id_overrides_every_other_parameter(
    open311_client: httpx.AsyncClient,
) -> None:
    old = (await listed(open311_client, start_date=days_ago(151), end_date=days_ago(91)))[0]
    recent = (await listed(open311_client))[0]
    ids = f"{recent['service_request_id']},{old['service_request_id']},BPN-999999"
    params = {"service_request_id": ids, "status": "pending", "start_date": "nonsense"}
    response = await open311_client.get("/requests.json", params=params)
    assert response.status_code == 200, response.text
    assert {r["service_request_id"] for r in response.json()} == {
        recent["service_request_id"],
        old["service_request_id"],
    }
    assert response.headers["x-total-count"] == "2" and "link" not in response.headers


async def test_paging_walks_every_report_once(open311_client: httpx.AsyncClient) -> None:
    everything = await listed(open311_client, page_size=200)
    seen: list[str] = []
    response = await open311_client.get("/requests.json", params={"page_size": 7})
    pages = 1
    while "next" in links(response):
        assert len(response.json()) == 7
        seen += [r["service_request_id"] for r in response.json()]
        assert links(response)["next"].startswith(f"{BASE}/requests.json?")
        response = await open311_client.get(links(response)["next"])
        pages += 1
    seen += [r["service_request_id"] for r in response.json()]
    assert 1 <= len(response.json()) <= 7  # the last page
    assert pages == math.ceil(len(everything) / 7)
    assert seen == [r["service_request_id"] for r in everything]
    assert set(links(response)) == {"first", "prev", "last"}
    assert links(response)["last"].endswith(f"&page={pages}")
    assert int(response.headers["x-total-count"]) == len(everything)


async def test_a_page_after_the_last_is_empty(open311_client: httpx.AsyncClient) -> None:
    response = await open311_client.get("/requests.json", params={"page": 99, "page_size": 50})
    assert response.status_code == 200 and response.json() == []
    assert "next" not in links(response) and "page=2" in links(response)["prev"]


async def test_a_single_request_in_both_url_forms(open311_client: httpx.AsyncClient) -> None:
    first = (await listed(open311_client))[0]
    rid = first["service_request_id"]
    plain = await open311_client.get(f"/requests/{rid}")
    suffixed = await open311_client.get(f"/requests/{rid}.json")
    assert plain.status_code == suffixed.status_code == 200
    assert plain.json() == suffixed.json() == [first]
    assert plain.headers["cache-control"] == "public, max-age=60"
    assert_error(await open311_client.get("/requests/BPN-999999.json"), 404, "'BPN-999999'")


async def test_served_requests_have_the_spec_fields(open311_client: httpx.AsyncClient) -> None:
    found = await listed(open311_client, page_size=200)
    found += await listed(open311_client, start_date=days_ago(151), end_date=days_ago(91))
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


async def test_sample_media_is_served(open311_client: httpx.AsyncClient) -> None:
    found = await listed(open311_client, page_size=200)
    found += await listed(open311_client, start_date=days_ago(151), end_date=days_ago(91))
    media = [item["media_url"] for item in found if item["media_url"]]
    assert len(media) >= 4
    for url in media:
        assert url.startswith(f"{BASE}/media/") and url.endswith(".svg")
        picture = await open311_client.get(url)
        assert picture.status_code == 200
        assert picture.headers["content-type"] == "image/svg+xml"
        assert picture.content.startswith(b"<svg")
    assert_error(await open311_client.get("/media/tidak-ada.svg"), 404, "'tidak-ada.svg'")
