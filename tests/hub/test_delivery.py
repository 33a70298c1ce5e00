"""Delivery: queued while the upstream is down, delivered exactly once when it returns."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.complaints import TRACK, road_complaint, submit, wait_for_status
from tests.support.graphql import gql
from tests.support.redis_server import free_port
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
