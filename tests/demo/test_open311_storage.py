"""Reference Open311 upstream, storage: restarts, sample data, reporter privacy."""

from __future__ import annotations

import gc
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from kotahub.demo.open311 import create_open311_app
from kotahub.demo.open311_attributes import check_attributes
from kotahub.demo.open311_catalogue import Catalogue
from kotahub.demo.open311_params import RequestsQuery
from kotahub.demo.open311_store import Open311Store
from kotahub.demo.open311_time import WITA
from tests.support.open311_client import (
    CONTACT_FIELDS,
    KECAMATAN,
    REPORTER,
    ClientFactory,
    days_ago,
    listed,
    post,
    report,
    sample_document,
)


async def test_without_a_database_a_temporary_file_is_used(open311_connect: ClientFactory) -> None:
    app = create_open311_app()
    path = app.state.store.path
    assert path.exists() and "kotahub-open311-" in str(path.parent)
    async with open311_connect(app) as http:
        assert (await post(http, report())).status_code == 201
    del app, http
    gc.collect()
    assert not path.parent.exists()  # removed with the store


async def test_reports_tokens_and_keys_survive_a_restart(
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    async with open311_connect(create_open311_app(database=open311_database)) as http:
        created = await post(http, report(), **{"Idempotency-Key": "restart-1"})
        rid = created.json()[0]["service_request_id"]
    async with open311_connect(
        create_open311_app(database=open311_database, deferred_ids=True)
    ) as http:
        token = (await post(http, report(description="kedua"))).json()[0]["token"]
    restarted = create_open311_app(database=open311_database)
    restarted.state.store.set_status(rid, "closed", "Sudah ditambal.", "UPTD Jalan")
    async with open311_connect(restarted) as http:
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


async def test_sample_reports_are_reanchored_to_the_current_time(open311_database: Path) -> None:
    catalogue = Catalogue.load()
    start = time.time()
    Open311Store(open311_database, catalogue, clock=lambda: start).prepare()
    later = start + 45 * 86_400
    store = Open311Store(open311_database, catalogue, clock=lambda: later)
    store.prepare()
    now = datetime.fromtimestamp(later, WITA)
    page = store.search(RequestsQuery(start=now - timedelta(days=90), end=now, page_size=200))
    recent = [s for s in catalogue.samples if s["requested_days_ago"] <= 90]
    assert page.total == len(recent)


async def test_store_helpers_for_the_hub_tests(open311_app: Starlette) -> None:
    store = open311_app.state.store
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
    open311_database: Path, open311_app: Starlette, open311_client: httpx.AsyncClient
) -> None:
    """Every answer passes refuse_contact_details; this walks every kind of answer."""
    created = await post(open311_client, report())
    rid = created.json()[0]["service_request_id"]
    await post(open311_client, report(api_key="salah"))
    await post(open311_client, report(address_string=None, email="bukan email", phone="x"))
    every = await listed(open311_client, page_size=200)
    every += await listed(open311_client, start_date=days_ago(151), end_date=days_ago(91))
    assert rid in {item["service_request_id"] for item in every}
    for item in every:
        assert not set(item) & set(CONTACT_FIELDS)
        await open311_client.get(f"/requests/{item['service_request_id']}.json")
        if item["media_url"]:
            await open311_client.get(item["media_url"])
    for service in await listed(open311_client, "/services.json"):
        await open311_client.get(f"/services/{service['service_code']}.json")
    with sqlite3.connect(open311_database) as conn:  # stored, as a real server would
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
