"""The Open311 adapter against the reference GeoReport v2 server over real HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.contract import (
    Adapter,
    ComplaintQuery,
    ComplaintsAdapter,
    ComplaintsById,
    ComplaintsLookup,
    UncertainPost,
)
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.errors import SourceHTTPError
from kotahub.records import ComplaintSubmission, Contact
from tests.support.servers import ThreadedServer


@pytest.fixture
def deferred(tmp_path: Path) -> Iterator[ThreadedServer]:
    app = create_open311_app(database=tmp_path / "deferred.sqlite3", deferred_ids=True)
    server = ThreadedServer(app)
    server.start()
    yield server
    server.stop()


def _adapter(
    make: Callable[..., Adapter], server: ThreadedServer, **options: Any
) -> ComplaintsAdapter:
    adapter = make(
        name="lapor", kind="open311", base_url=server.url, api_key=DEMO_API_KEY, options=options
    )
    return adapter  # type: ignore[return-value]


ROAD = ComplaintSubmission(
    source="lapor",
    category_code="jalan-rusak",
    description="Jalan berlubang dekat pasar",
    lat=-1.2701,
    lon=116.8412,
    attributes={"tingkat_kerusakan": "sedang"},
    contact=Contact(first_name="Siti", email="siti@example.com", phone="+62 812 5555 0001"),
)


async def test_categories_carry_their_questions(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    categories = {c.code: c for c in await _adapter(make_adapter, open311).categories()}
    assert {"jalan-rusak", "sampah", "air-bersih", "drainase-banjir"} <= set(categories)
    road = {a.code: a for a in categories["jalan-rusak"].attributes}
    assert (
        road["tingkat_kerusakan"].required
        and road["tingkat_kerusakan"].datatype == "singlevaluelist"
    )
    assert [v.key for v in road["tingkat_kerusakan"].values] == ["ringan", "sedang", "berat"]


async def test_reads_pages_and_windows_of_requests(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    log = open311.app.state.request_log
    default = await _adapter(make_adapter, open311, page_size=10).complaints(ComplaintQuery())
    pages = log.count("/requests")
    until = datetime.now(UTC)
    long_span = ComplaintQuery(since=until - timedelta(days=200), until=until)
    everything = await _adapter(make_adapter, open311).complaints(long_span)
    assert pages == -(-len(default) // 10) + 1  # the pages, then one that brings nothing
    assert len(everything) > len(default)  # older than 90 days, reached by a second window
    windows = {q for _, path, q in log.requests[-(log.count("/requests") - pages) :]}
    assert len({w.split("end_date=")[1].split("&")[0] for w in windows}) == 3  # 200 days
    assert len({c.local_id for c in everything}) == len(everything)
    assert all(c.district for c in everything)


async def test_submits_and_reads_back_without_contact_details(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, open311)
    receipt = await adapter.submit(ROAD, idempotency_key="KH-TEST-1")
    again = await adapter.submit(ROAD, idempotency_key="KH-TEST-1")
    assert receipt.upstream_id and again == receipt
    stored = await adapter.complaint(receipt.upstream_id)
    assert stored is not None and stored.category_code == "jalan-rusak" and stored.status == "open"
    assert "siti" not in repr(stored).lower() and "5555" not in repr(stored)
    assert await adapter.complaint("BPN-999999") is None


async def test_complaints_by_id_ask_for_many_in_one_call(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, open311)
    assert isinstance(adapter, ComplaintsById)
    ids = sorted(record.local_id for record in await adapter.complaints(ComplaintQuery()))[:30]
    log = open311.app.state.request_log
    log.clear()
    found = await adapter.complaints_by_id([*ids, ids[0], "BPN-999999"])
    assert sorted(record.local_id for record in found) == ids  # the unknown one left out
    (_, path, query), (_, alone, _) = log.requests  # the unknown one is asked for again
    asked = parse_qs(query)["service_request_id"][0].split(",")
    assert path == "/requests.json" and sorted(asked) == sorted([*ids, "BPN-999999"])
    assert alone == "/requests/BPN-999999.json"
    log.clear()
    assert [record.local_id for record in await adapter.complaints_by_id(ids[:1])] == ids[:1]
    assert [path for _, path, _ in log.requests] == [f"/requests/{ids[0]}.json"]
    assert await adapter.complaints_by_id(["BPN-999999"]) == []


async def test_deferred_ids_come_through_tokens(
    deferred: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, deferred)
    receipt = await adapter.submit(ROAD, idempotency_key="KH-TEST-2")
    assert receipt.upstream_id is None and receipt.token
    first = await adapter.id_for_token(receipt.token)
    second = first or await adapter.id_for_token(receipt.token)
    assert second is not None and second.startswith("BPN-")


async def test_refusals_quote_the_open311_description(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    bad = ComplaintSubmission(
        source="lapor", category_code="jalan-rusak", description="x", lat=-1.27, lon=116.84
    )
    with pytest.raises(SourceHTTPError) as caught:
        await _adapter(make_adapter, open311).submit(bad, idempotency_key="KH-TEST-3")
    assert caught.value.status == 400
    assert "tingkat_kerusakan" in str(caught.value)
    no_key = make_adapter(name="lapor", kind="open311", base_url=open311.url)
    with pytest.raises(SourceHTTPError) as refused:
        await no_key.submit(ROAD, idempotency_key="KH-TEST-4")  # type: ignore[attr-defined]
    assert refused.value.status == 403 and DEMO_API_KEY not in str(refused.value)


async def test_concurrent_retries_with_one_key_create_one_request(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, open311)
    before = open311.app.state.store.count_requests()
    receipts = await asyncio.gather(*(adapter.submit(ROAD, "KH-TEST-5") for _ in range(5)))
    assert len({r.upstream_id for r in receipts}) == 1
    assert open311.app.state.store.count_requests() == before + 1


async def test_complaints_by_id_are_all_found_from_a_server_that_ignores_the_id_list(
    make_adapter: Callable[..., Adapter], open311: ThreadedServer
) -> None:
    async def without_ids(request: Request) -> Response:
        async with httpx.AsyncClient() as client:
            params = {k: v for k, v in request.query_params.items() if k != "service_request_id"}
            answer = await client.get(
                f"{open311.url}/requests.json", params={**params, "page_size": 2}
            )
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def relay(request: Request) -> Response:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{open311.url}{request.url.path}")
        return Response(answer.content, answer.status_code, media_type="application/json")

    careless = Starlette(
        routes=[Route("/requests.json", without_ids), Route("/{path:path}", relay)]
    )
    server = ThreadedServer(careless)
    server.start()
    try:
        adapter = _adapter(make_adapter, server)
        assert isinstance(adapter, ComplaintsById)
        listed = await _adapter(make_adapter, open311).complaints(ComplaintQuery())
        ids = sorted(record.local_id for record in listed)[-4:]  # not on its first page
        found = await adapter.complaints_by_id(ids)
    finally:
        server.stop()
    assert sorted(record.local_id for record in found) == ids


async def test_an_earlier_post_is_found_by_what_was_sent_and_by_nothing_else(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, open311, page_size=1)  # one request a page: it pages
    assert isinstance(adapter, ComplaintsLookup)
    began = datetime.now(UTC)
    made = await adapter.submit(ROAD, idempotency_key="KH-LOOKUP-1")
    for n, decoy in enumerate([replace(ROAD, description="Jalan berlubang dekat sekolah")] * 2):
        await adapter.submit(decoy, idempotency_key=f"KH-LOOKUP-DECOY-{n}")
    posts = [UncertainPost(began, datetime.now(UTC))]
    respaced = replace(ROAD, description="  Jalan berlubang\n dekat  pasar ")
    others = [
        replace(ROAD, description="Jalan berlubang dekat pasar baru"),
        replace(ROAD, lat=-1.2711),  # a hundred metres away
        replace(ROAD, category_code="lampu-jalan"),
    ]
    found = await adapter.find_submitted(respaced, posts)
    not_found = [await adapter.find_submitted(other, posts) for other in others]
    hour = timedelta(hours=1)
    later = await adapter.find_submitted(ROAD, [UncertainPost(began + hour, began + hour)])
    assert found == [made.upstream_id]
    assert not_found == [[], [], []]
    assert later == []  # made before the post it is asked about


async def test_identical_requests_made_outside_the_posts_are_not_found(
    open311: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = _adapter(make_adapter, open311)
    assert isinstance(adapter, ComplaintsLookup)
    store = open311.app.state.store
    made = {}
    for minutes in (-5, 0, 5):  # another citizen's, the post's, another citizen's
        store.clock = lambda minutes=minutes: time.time() + minutes * 60
        made[minutes] = await adapter.submit(ROAD, idempotency_key=f"KH-SAME-{minutes}")
    now = datetime.now(UTC)
    found = await adapter.find_submitted(ROAD, [UncertainPost(now - timedelta(seconds=5), now)])
    assert found == [made[0].upstream_id]
