"""Delivery: queued while the upstream is down, delivered exactly once when it returns."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from kotahub.adapters.catalog import Catalog
from kotahub.contract import Adapter, ComplaintsAdapter
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.demo.open311_store import DEFER_SECONDS
from kotahub.hub.settings import Settings
from kotahub.outbox.delivery import MAX_BACKOFF_SECONDS, DeliveryTiming, DeliveryWorker
from kotahub.outbox.store import Outbox
from kotahub.records import ComplaintSubmission
from tests.conftest import HubFactory
from tests.support.complaints import TRACK, road_complaint, submit, wait_for_status
from tests.support.graphql import gql
from tests.support.lost_answers import HoldsAnswers, LosesAnswers, PostOutcome
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer


async def test_upstream_down_then_up_delivers_each_once(
    hub: HubFactory, hub_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    port = free_port()
    source = {
        "name": "complaints",
        "kind": "open311",
        "api_key": DEMO_API_KEY,
        "base_url": f"http://127.0.0.1:{port}",
        "timeout_seconds": 2,
    }
    upstream = ThreadedServer(create_open311_app(database=tmp_path / "c.sqlite3"), port=port)
    async with hub(hub_settings(sources=[source])) as client:
        queued = [
            await submit(client, road_complaint(description=f"Lubang nomor {n}")) for n in range(3)
        ]
        await asyncio.sleep(1.0)  # several delivery attempts fail meanwhile
        waiting = [
            (await gql(client, TRACK, {"id": q["trackingId"]}))["data"]["complaint"] for q in queued
        ]
        upstream.start()
        try:
            done = [await wait_for_status(client, q["trackingId"], "SUBMITTED") for q in queued]
            store = upstream.app.state.store
            count = store.count_requests()
            await asyncio.sleep(1.0)  # nothing more arrives later
            assert store.count_requests() == count
        finally:
            upstream.stop()
    assert all(w["deliveryStatus"] == "QUEUED" for w in waiting), waiting
    assert len({d["sourceId"] for d in done}) == 3
    posts = [r for r in upstream.app.state.request_log.requests if r[0] == "POST"]
    assert len(posts) == 3


async def test_two_workers_on_one_outbox_deliver_each_complaint_once(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    app = create_open311_app(database=tmp_path / "c.sqlite3", latency_ms=300)
    upstream = ThreadedServer(app)
    upstream.start()
    adapter = make_adapter(
        name="complaints", kind="open311", base_url=upstream.url, api_key=DEMO_API_KEY
    )
    redis = Redis.from_url(redis_url)
    outbox = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    timing = DeliveryTiming(retry_seconds=0.2, reclaim_seconds=0.6, poll_ms=50)
    workers = [DeliveryWorker(outbox, Catalog((adapter,)), timing) for _ in range(2)]
    workers[1].consumer += "-b"
    before = app.state.store.count_requests()
    try:
        queued = [await outbox.record(_road(n), None) for n in range(8)]
        stop = asyncio.Event()
        runs = [asyncio.create_task(w.run(stop)) for w in workers]
        deadline = time.monotonic() + 30
        while not all([await _submitted(outbox, d.tracking_id) for d in queued]):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.1)
        stop.set()
        await asyncio.gather(*runs)
    finally:
        upstream.stop()
        await redis.aclose()
    assert app.state.store.count_requests() == before + 8


def _road(n: int) -> ComplaintSubmission:
    return ComplaintSubmission(
        source="complaints",
        category_code="jalan-rusak",
        description=f"Lubang nomor {n}",
        lat=-1.27,
        lon=116.84,
        attributes={"tingkat_kerusakan": "ringan"},
    )


async def _submitted(outbox: Outbox, tracking_id: str) -> bool:
    state = await outbox.delivery(tracking_id)
    return state is not None and state.status == "SUBMITTED"


async def until(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_complaint_whose_worker_died_mid_post_is_found_not_sent_again(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    redis = Redis.from_url(redis_url)
    outbox = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    timing = DeliveryTiming(retry_seconds=0.2, reclaim_seconds=0.3, poll_ms=50)
    # Ignores Idempotency-Key (as GeoReport v2 itself does) and answers POSTs late.
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    async with _served(HoldsAnswers(app, seconds=2.0)) as url:
        store = app.state.store
        before = store.count_requests()
        adapter = make_adapter(
            name="complaints", kind="open311", base_url=url, api_key=DEMO_API_KEY
        )
        dying, next_one = (DeliveryWorker(outbox, Catalog((adapter,)), timing) for _ in "ab")
        next_one.consumer += "-next"
        queued = await outbox.record(_road(0), None)
        stop = asyncio.Event()
        posting = asyncio.create_task(dying.run(stop))
        await until(lambda: _made(store, before + 1))  # made upstream; the answer is on its way
        posting.cancel()  # the worker dies before it hears the answer
        with contextlib.suppress(asyncio.CancelledError):
            await posting
        running = asyncio.create_task(next_one.run(stop))
        await until(lambda: _submitted(outbox, queued.tracking_id))
        stop.set()
        await running
        made = store.count_requests() - before
        posts = [r for r in app.state.request_log.requests if r[0] == "POST"]
    state = await outbox.delivery(queued.tracking_id)
    await redis.aclose()
    assert (made, len(posts)) == (1, 1)
    assert state is not None and state.upstream_id is not None


async def test_a_complaint_whose_answer_was_lost_to_a_timeout_is_found_not_sent_again(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    holding = HoldsAnswers(app)  # the answer comes only once the client gave up on it
    async with _served(holding) as url, _outbox(redis_url) as outbox:
        store = app.state.store
        before = store.count_requests()
        worker = _worker(outbox, make_adapter, url, timeout_seconds=2.0)
        queued = await outbox.record(_road(0), None)
        await worker.run_once()  # made upstream; the client times out
        assert await asyncio.to_thread(holding.made.wait, 20)  # however late it was made
        await worker.run_once()
        holding.release()
        made = store.count_requests() - before
        state = await outbox.delivery(queued.tracking_id)
    assert made == 1
    assert state is not None and state.status == "SUBMITTED" and state.attempts == 1


LAMP = ComplaintSubmission(
    source="complaints",
    category_code="lampu-jalan",
    description="Lampu jalan mati",  # no point: a complaint many file word for word
    address="Jl. Jenderal Sudirman, Balikpapan",
    attributes={"kondisi_lampu": "mati"},
)


@pytest.mark.parametrize("minutes", [-5, 5], ids=["before", "after"])
async def test_another_citizens_identical_complaint_is_not_taken_for_an_unheard_post(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter], minutes: int
) -> None:
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    upstream = LosesAnswers(app)
    async with _served(upstream) as url, _outbox(redis_url) as outbox:
        store = app.state.store
        before = store.count_requests()
        citizen = cast(
            ComplaintsAdapter,
            make_adapter(name="complaints", kind="open311", base_url=url, api_key=DEMO_API_KEY),
        )
        worker = _worker(outbox, make_adapter, url)
        queued = await outbox.record(LAMP, None)
        upstream.lose("not made, 502")
        await worker.run_once()  # the hub cannot know whether the post made the complaint
        _upstream_clock(store, minutes * 60)  # the citizen's complaint is that far from it
        theirs = await citizen.submit(LAMP, idempotency_key="citizen")
        await worker.run_once()
        state = await outbox.delivery(queued.tracking_id)
        made = store.count_requests() - before
    assert state is not None and state.status == "SUBMITTED"
    assert state.upstream_id is not None and state.upstream_id != theirs.upstream_id
    assert made == 2  # the citizen's, and the hub's


@pytest.mark.parametrize(
    "first_posts",
    [("made, answer lost", "not made, 502"), ("answered", "not made, 502")],
    ids=["found-first", "delivered-first"],
)
async def test_two_identical_complaints_never_share_one_upstream_complaint(
    tmp_path: Path,
    redis_url: str,
    make_adapter: Callable[..., Adapter],
    first_posts: tuple[PostOutcome, PostOutcome],
) -> None:
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    upstream = LosesAnswers(app)
    async with _served(upstream) as url, _outbox(redis_url) as outbox:
        before = app.state.store.count_requests()
        worker = _worker(outbox, make_adapter, url)
        queued = [await outbox.record(LAMP, None) for _ in "ab"]
        upstream.lose(*first_posts)
        await worker.run_once()
        await worker.run_once()  # the first is found (or was delivered); the second looks
        states = [await outbox.delivery(q.tracking_id) for q in queued]
        made = app.state.store.count_requests() - before
    ids = {state.upstream_id for state in states if state and state.status == "SUBMITTED"}
    assert None not in ids and len(ids) == 2
    assert made == 2


async def test_an_unreadable_search_for_an_unheard_post_sends_the_complaint_again(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    upstream = LosesAnswers(app)
    async with _served(upstream) as url, _outbox(redis_url) as outbox:
        before = app.state.store.count_requests()
        worker = _worker(outbox, make_adapter, url)
        queued = await outbox.record(LAMP, None)
        upstream.lose("not made, 502")
        upstream.unreadable_searches = True
        await worker.run_once()
        await worker.run_once()
        state = await outbox.delivery(queued.tracking_id)
        made = app.state.store.count_requests() - before
    assert state is not None and state.status == "SUBMITTED" and state.upstream_id
    assert made == 1


async def test_an_unheard_post_is_still_looked_for_after_a_post_that_surely_failed(
    tmp_path: Path, redis_url: str, make_adapter: Callable[..., Adapter]
) -> None:
    app = create_open311_app(
        database=tmp_path / "c.sqlite3", idempotency_keys=False, deferred_ids=True
    )
    upstream = LosesAnswers(app)  # lists a request only a while after it made it
    async with _served(upstream) as url, _outbox(redis_url) as outbox:
        store = app.state.store
        before = store.count_requests()
        worker = _worker(outbox, make_adapter, url)
        queued = await outbox.record(LAMP, None)
        upstream.lose("made, answer lost", "refused, 503")
        await worker.run_once()  # made, not listed yet
        await worker.run_once()  # not found, so posted again: refused
        _upstream_clock(store, DEFER_SECONDS + 1)  # now it is listed
        await worker.run_once()
        state = await outbox.delivery(queued.tracking_id)
        made = store.count_requests() - before
    assert made == 1
    assert state is not None and state.status == "SUBMITTED" and state.upstream_id


@asynccontextmanager
async def _served(app: Any) -> AsyncIterator[str]:
    server = ThreadedServer(app)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@asynccontextmanager
async def _outbox(redis_url: str) -> AsyncIterator[Outbox]:
    redis = Redis.from_url(redis_url)
    outbox = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    await outbox.ensure_group()
    try:
        yield outbox
    finally:
        await redis.aclose()


def _worker(
    outbox: Outbox, make_adapter: Callable[..., Adapter], url: str, **settings: Any
) -> DeliveryWorker:
    """A worker the test runs round by round; a failed post is due again at once."""
    adapter = make_adapter(
        name="complaints", kind="open311", base_url=url, api_key=DEMO_API_KEY, **settings
    )
    return DeliveryWorker(outbox, Catalog((adapter,)), DeliveryTiming(retry_seconds=0, poll_ms=10))


def _upstream_clock(store: Any, ahead: float) -> None:
    """Set the upstream's clock ``ahead`` seconds of the real time (behind if negative)."""
    store.clock = lambda: time.time() + ahead


async def _made(store: Any, count: int) -> bool:
    return bool(store.count_requests() >= count)


def _delivery_lines(caplog: pytest.LogCaptureFixture, tracking_id: str) -> list[tuple[int, str]]:
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == "kotahub.delivery" and tracking_id in record.getMessage()
    ]


async def test_a_category_the_source_says_it_does_not_have_is_rejected_once_and_warned_of(
    tmp_path: Path,
    redis_url: str,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="kotahub.delivery")
    app = create_open311_app(database=tmp_path / "c.sqlite3")
    async with _served(app) as url, _outbox(redis_url) as outbox:
        worker = _worker(outbox, make_adapter, url)
        queued = await outbox.record(replace(_road(0), category_code="parkir"), None)
        await worker.run_once()  # the server answers 404, naming the service code
        await worker.run_once()
        state = await outbox.delivery(queued.tracking_id)
    posts = [r for r in app.state.request_log.requests if r[0] == "POST"]
    assert state is not None and state.status == "REJECTED" and len(posts) == 1
    assert state.reason is not None
    assert state.reason.startswith("the source refused the complaint (HTTP 404): service_code")
    [(level, line)] = _delivery_lines(caplog, queued.tracking_id)
    assert level == logging.WARNING and "rejected" in line and "'parkir'" in line


@pytest.mark.parametrize(
    ("trouble", "level"),
    [
        ("credentials refused", logging.WARNING),
        ("nothing at the path", logging.WARNING),
        ("source down", logging.INFO),
    ],
)
async def test_failures_an_operator_must_fix_are_retried_and_warned_of(
    tmp_path: Path,
    redis_url: str,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
    trouble: str,
    level: int,
) -> None:
    caplog.set_level(logging.INFO, logger="kotahub.delivery")
    app = create_open311_app(database=tmp_path / "c.sqlite3")
    async with _served(app) as url, _outbox(redis_url) as outbox:
        settings: dict[str, Any] = {"api_key": DEMO_API_KEY, "base_url": url, "retries": 0}
        if trouble == "credentials refused":
            settings["api_key"] = "rotated-away"
        elif trouble == "nothing at the path":
            settings["base_url"] = f"{url}/georeport/v2"  # a 404 that names no service code
        else:
            settings["base_url"] = f"http://127.0.0.1:{free_port()}"
        adapter = make_adapter(name="complaints", kind="open311", **settings)
        worker = DeliveryWorker(
            outbox, Catalog((adapter,)), DeliveryTiming(retry_seconds=0, poll_ms=10)
        )
        queued = await outbox.record(_road(0), None)
        await worker.run_once()
        state = await outbox.delivery(queued.tracking_id)
    assert state is not None and state.status == "QUEUED" and state.attempts == 1
    [(logged, line)] = _delivery_lines(caplog, queued.tracking_id)
    assert logged == level and "not delivered (attempt 1" in line


async def test_a_complaint_still_failing_once_the_waits_are_longest_is_warned_of(
    redis_url: str, make_adapter: Callable[..., Adapter], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kotahub.delivery")
    adapter = make_adapter(
        name="complaints", kind="open311", base_url=f"http://127.0.0.1:{free_port()}"
    )
    timing = DeliveryTiming(retry_seconds=MAX_BACKOFF_SECONDS / 2, poll_ms=10)
    async with _outbox(redis_url) as outbox:
        worker = DeliveryWorker(outbox, Catalog((adapter,)), timing)
        queued = await outbox.record(_road(0), None)
        await worker.run_once()  # waits half the longest wait
        await outbox.postpone(await _pending(outbox, worker), 0)  # due again at once
        await worker.run_once()  # waits the longest wait: from now on it is warned of
        await outbox.postpone(await _pending(outbox, worker), 0)
        await worker.run_once()  # the longest wait again: said once already
    levels = [level for level, _ in _delivery_lines(caplog, queued.tracking_id)]
    assert levels == [logging.INFO, logging.WARNING, logging.INFO]


async def _pending(outbox: Outbox, worker: DeliveryWorker) -> Any:
    """The one entry ``worker`` holds."""
    [entry] = await outbox.take(worker.consumer, 10, 10, 60_000)
    return await outbox.pending_of(entry)
