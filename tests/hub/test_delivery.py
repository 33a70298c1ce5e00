"""Delivery: queued while the upstream is down, delivered exactly once when it returns."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

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
    assert all(w["deliveryStatus"] == "QUEUED" for w in waiting)
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
