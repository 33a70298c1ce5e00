"""Reference Open311 upstream, POST requests: validation, API keys, idempotency, tokens."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.demo.open311 import create_open311_app
from kotahub.demo.open311_store import DEFER_SECONDS
from tests.support.open311_client import (
    BASE,
    REQUEST_FIELDS,
    ClientFactory,
    assert_error,
    listed,
    moment,
    post,
    report,
    sample_document,
)

BAD_FORMS = [
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
]
BAD_FORMS_IDS = [
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
]


async def test_post_creates_a_request_served_without_contact_details(
    open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    before = open311_app.state.store.count_requests()
    response = await post(open311_client, report())
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    assert created["account_id"] is None and created["service_notice"]
    rid = created["service_request_id"]
    assert response.headers["location"] == f"{BASE}/requests/{rid}.json"
    assert open311_app.state.store.count_requests() == before + 1
    [served] = await listed(open311_client, f"/requests/{rid}.json")
    assert set(served) == REQUEST_FIELDS  # no email, phone, names, device_id or account_id
    assert served["status"] == "open" and served["service_code"] == "jalan-rusak"
    assert served["address"] == report()["address_string"] and served["lat"] is None
    assert (served["district"], served["zipcode"]) == ("Balikpapan Selatan", "76115")
    assert served["agency_responsible"] == "Dinas Pekerjaan Umum Kota Balikpapan"
    promised = moment(served["expected_datetime"]) - moment(served["requested_datetime"])
    assert promised == timedelta(days=14)
    assert (await listed(open311_client))[0] == served  # the newest report comes first


async def test_a_report_by_coordinates_gets_the_nearest_kecamatan(
    open311_client: httpx.AsyncClient,
) -> None:
    form = report(address_string=None, lat="-1.2185", long="116.9705")  # Manggar
    response = await post(open311_client, form)
    assert response.status_code == 201, response.text
    rid = response.json()[0]["service_request_id"]
    [served] = await listed(open311_client, f"/requests/{rid}")
    assert served["district"] == "Balikpapan Timur"
    assert (served["lat"], served["long"]) == (-1.2185, 116.9705)


async def test_multivaluelist_values_in_both_forms(open311_client: httpx.AsyncClient) -> None:
    waste = {"service_code": "sampah", "attribute[tingkat_kerusakan]": None}
    waste |= {"attribute[lebar_lubang_cm]": None}
    brackets = report(**waste, **{"attribute[jenis_sampah][]": ["plastik", "organik"]})
    assert (await post(open311_client, brackets)).status_code == 201
    single = report(**waste, **{"attribute[jenis_sampah]": "b3"})
    assert (await post(open311_client, single)).status_code == 201
    wrong = report(**waste, **{"attribute[jenis_sampah][]": ["plastik", "kaca"]})
    assert_error(await post(open311_client, wrong), 400, "attribute[jenis_sampah]", "'kaca'")


@pytest.mark.parametrize(("changes", "quotes"), BAD_FORMS, ids=BAD_FORMS_IDS)
async def test_post_validation_faults_are_named(
    open311_app: Starlette,
    open311_client: httpx.AsyncClient,
    changes: dict[str, Any],
    quotes: tuple[str, ...],
) -> None:
    before = open311_app.state.store.count_requests()
    assert_error(await post(open311_client, report(**changes)), 400, *quotes)
    assert open311_app.state.store.count_requests() == before


async def test_post_without_or_with_a_wrong_api_key_is_403(
    open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    assert_error(await post(open311_client, report(api_key=None)), 403, "api_key is required")
    assert_error(await post(open311_client, report(api_key="tebakan")), 403, "Invalid api_key")
    assert open311_app.state.store.count_requests() == len(sample_document()["requests"])


async def test_post_for_an_unknown_service_is_404(open311_client: httpx.AsyncClient) -> None:
    response = await post(open311_client, report(service_code="jalan-berlubang"))
    assert_error(response, 404, "service_code 'jalan-berlubang' was not found", "jalan-rusak")


async def test_post_reports_every_problem_at_once(open311_client: httpx.AsyncClient) -> None:
    changes = {"address_string": None, "attribute[tingkat_kerusakan]": None}
    response = await post(open311_client, report(**changes, description="x" * 4001))
    assert len(response.json()) == 3
    assert_error(response, 400, "location", "tingkat_kerusakan", "4001")


async def test_post_without_the_json_suffix_and_4000_characters(
    open311_client: httpx.AsyncClient,
) -> None:
    response = await open311_client.post("/requests", data=report(description="x" * 4000))
    assert response.status_code == 201, response.text
    rid = response.json()[0]["service_request_id"]
    assert len((await listed(open311_client, f"/requests/{rid}"))[0]["description"]) == 4000


async def test_other_attribute_datatypes_are_checked(open311_client: httpx.AsyncClient) -> None:
    flood = {"service_code": "drainase-banjir", "attribute[tingkat_kerusakan]": None}
    flood |= {"attribute[lebar_lubang_cm]": None, "attribute[ketinggian_air_cm]": "40"}
    late = report(**flood, **{"attribute[mulai_tergenang]": "kemarin sore"})
    assert_error(
        await post(open311_client, late), 400, "attribute[mulai_tergenang]", "'kemarin sore'"
    )
    ok = report(**flood, **{"attribute[mulai_tergenang]": "2025-01-15T16:30:00+08:00"})
    assert (await post(open311_client, ok)).status_code == 201
    service = {"service_code": "pelayanan-publik", "attribute[tingkat_kerusakan]": None}
    service |= {"attribute[lebar_lubang_cm]": None, "attribute[nama_layanan]": "Izin\nreklame"}
    assert_error(await post(open311_client, report(**service)), 400, "single line")
    service |= {"attribute[nama_layanan]": "Izin reklame", "attribute[kronologi]": "a\nb"}
    assert (await post(open311_client, report(**service))).status_code == 201


async def test_post_must_be_form_encoded(open311_client: httpx.AsyncClient) -> None:
    response = await open311_client.post("/requests.json", json=report())
    assert_error(response, 400, "application/x-www-form-urlencoded", "'application/json'")


async def test_deferred_ids_appear_on_the_second_poll(
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    app = create_open311_app(database=open311_database, deferred_ids=True)
    async with open311_connect(app) as http:
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
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    app = create_open311_app(database=open311_database, deferred_ids=True)
    async with open311_connect(app) as http:
        token = (await post(http, report())).json()[0]["token"]
        app.state.store.clock = lambda: time.time() + DEFER_SECONDS + 1
        [state] = await listed(http, f"/tokens/{token}.json")
    assert state["service_request_id"] is not None


async def test_an_idempotency_key_replays_the_first_answer(
    open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    before = open311_app.state.store.count_requests()
    first = await post(open311_client, report(), **{"Idempotency-Key": "laporan-0001"})
    reordered = dict(reversed(list(report().items())))
    again = await post(open311_client, reordered, **{"Idempotency-Key": '"laporan-0001"'})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert open311_app.state.store.count_requests() == before + 1
    other = await post(open311_client, report(), **{"Idempotency-Key": "laporan-0002"})
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]


async def test_an_idempotency_key_with_another_body_is_422(
    open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    assert (await post(open311_client, report(), **{"Idempotency-Key": "k-1"})).status_code == 201
    changed = report(description="Deskripsi lain")
    assert_error(await post(open311_client, changed, **{"Idempotency-Key": "k-1"}), 422, "'k-1'")
    bad = await post(open311_client, report(), **{"Idempotency-Key": "x" * 256})
    assert_error(bad, 400, "Idempotency-Key")
    assert open311_app.state.store.count_requests() == len(sample_document()["requests"]) + 1


async def test_idempotency_keys_belong_to_one_api_key(
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    app = create_open311_app(database=open311_database, api_keys=("kunci-a", "kunci-b"))
    async with open311_connect(app) as http:
        a = await post(http, report(api_key="kunci-a"), **{"Idempotency-Key": "sama"})
        b = await post(http, report(api_key="kunci-b"), **{"Idempotency-Key": "sama"})
        assert_error(await post(http, report()), 403, "Invalid api_key")
    assert a.status_code == b.status_code == 201
    assert a.json()[0]["service_request_id"] != b.json()[0]["service_request_id"]


async def test_a_replayed_deferred_post_gets_the_same_token(
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    app = create_open311_app(database=open311_database, deferred_ids=True)
    async with open311_connect(app) as http:
        first = await post(http, report(), **{"Idempotency-Key": "token-1"})
        again = await post(http, report(), **{"Idempotency-Key": "token-1"})
    assert first.json() == again.json() and "token" in first.json()[0]
