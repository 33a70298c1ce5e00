"""Delivery: queued while the upstream is down, delivered exactly once when it returns."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from kotahub.adapters.contract import Adapter
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.hub.delivery import DeliveryTiming, DeliveryWorker
from kotahub.hub.outbox import Outbox
from kotahub.hub.settings import Settings
from kotahub.records import ComplaintSubmission
from kotahub.resolvers.catalog import Catalog
from tests.conftest import HubFactory
from tests.support.complaints import TRACK, road_complaint, submit, wait_for_status
from tests.support.graphql import gql
from tests.support.late_answers import AnswersLate
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


@asynccontextmanager
async def keyless_upstream(tmp_path: Path, answer_seconds: float) -> AsyncIterator[Any]:
    """A reference Open311 server that ignores Idempotency-Key (as GeoReport v2 itself does)
    and answers POSTs late; gives its app."""
    app = create_open311_app(database=tmp_path / "c.sqlite3", idempotency_keys=False)
    server = ThreadedServer(AnswersLate(app, answer_seconds))
    server.start()
    app.state.url = server.url
    try:
        yield app
    finally:
        server.stop()


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
    async with keyless_upstream(tmp_path, answer_seconds=2.0) as app:
        store = app.state.store
        before = store.count_requests()
        adapter = make_adapter(
            name="complaints", kind="open311", base_url=app.state.url, api_key=DEMO_API_KEY
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
    redis = Redis.from_url(redis_url)
    outbox = Outbox(redis, f"test-{uuid.uuid4().hex[:12]}")
    timing = DeliveryTiming(retry_seconds=0.2, reclaim_seconds=30, poll_ms=50)
    async with keyless_upstream(tmp_path, answer_seconds=1.5) as app:
        store = app.state.store
        before = store.count_requests()
        adapter = make_adapter(
            name="complaints",
            kind="open311",
            base_url=app.state.url,
            api_key=DEMO_API_KEY,
            timeout_seconds=0.5,
        )
        worker = DeliveryWorker(outbox, Catalog((adapter,)), timing)
        queued = await outbox.record(_road(0), None)
        stop = asyncio.Event()
        running = asyncio.create_task(worker.run(stop))

        async def settled_or_doubled() -> bool:
            doubled = store.count_requests() > before + 1
            return doubled or await _submitted(outbox, queued.tracking_id)

        await until(settled_or_doubled)
        stop.set()
        await running
        made = store.count_requests() - before
    state = await outbox.delivery(queued.tracking_id)
    await redis.aclose()
    assert made == 1
    assert state is not None and state.status == "SUBMITTED" and state.attempts == 1


async def _made(store: Any, count: int) -> bool:
    return bool(store.count_requests() >= count)
