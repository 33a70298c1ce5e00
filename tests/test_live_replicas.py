"""Live updates across replicas, as real processes: a WebSocket follower on one and an SSE
follower on the other both see a complaint move, and a restart ends subscriptions with the
documented close code, after which a client subscribes again and carries on."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from kotahub.demo.open311 import DEMO_API_KEY
from tests.support.complaints import road_complaint, submit
from tests.support.hub_process import HubProcess, hub_replicas
from tests.support.live import (
    FOLLOW,
    complaint_of,
    received,
    socket_client,
    sse_events,
    subscribe,
)
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system

SERVICE_RESTART = 1012


@pytest.fixture
def replicas(redis_url: str, open311: ThreadedServer, tmp_path: Path) -> Iterator[list[HubProcess]]:
    source = {"name": "complaints", "kind": "open311", "base_url": open311.url}
    source["api_key"] = DEMO_API_KEY
    settings = {
        "redis_url": redis_url,
        "cache_prefix": f"live-{uuid.uuid4().hex[:8]}",
        "delivery_worker": "true",
        "delivery_retry_seconds": "0.2",
        "live_poll_seconds": "0.3",
        "log_level": "WARNING",
    }
    with hub_replicas(2, [source], tmp_path, **settings) as hubs:
        yield hubs


async def _next_event(events: asyncio.Queue[Any]) -> dict[str, Any]:
    kind, data = await asyncio.wait_for(events.get(), 15)
    assert kind == "next", (kind, data)
    return complaint_of(data)


async def _source_id(url: str, tracking_id: str) -> str:
    query = "query ($id: String!) { complaint(trackingId: $id) { sourceId } }"
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        body = {"query": query, "variables": {"id": tracking_id}}
        answer = (await client.post("/graphql", json=body)).json()
    source_id: str = answer["data"]["complaint"]["sourceId"]
    return source_id


async def test_followers_on_two_replicas_over_both_transports_see_the_same_moves(
    replicas: list[HubProcess], open311: ThreadedServer
) -> None:
    first, second = (hub.url for hub in replicas)
    async with httpx.AsyncClient(base_url=first, timeout=10) as client:
        tracking_id = (await submit(client, road_complaint(), key=uuid.uuid4().hex))["trackingId"]
    events: asyncio.Queue[Any] = asyncio.Queue()
    async with (
        socket_client(first) as socket,
        httpx.AsyncClient(base_url=second, timeout=30) as client,
    ):
        following = asyncio.create_task(sse_events(client, FOLLOW, {"id": tracking_id}, events))
        await subscribe(socket, "1", FOLLOW, {"id": tracking_id})
        over_socket = [complaint_of(await received(socket, 15))]
        over_sse = [await _next_event(events)]
        while over_socket[-1]["deliveryStatus"] != "SUBMITTED":
            over_socket.append(complaint_of(await received(socket, 15)))
        while over_sse[-1]["deliveryStatus"] != "SUBMITTED":
            over_sse.append(await _next_event(events))
        source_id = await _source_id(first, tracking_id)
        open311.app.state.store.set_status(source_id, "closed", "Jalan sudah ditambal")
        over_socket.append(complaint_of(await received(socket, 15)))
        over_sse.append(await _next_event(events))
        following.cancel()
    for seen in (over_socket, over_sse):
        assert seen[0]["deliveryStatus"] in {"QUEUED", "SUBMITTED"}
        assert seen[-1]["status"] == "CLOSED"
        assert seen[-1]["statusNotes"] == "Jalan sudah ditambal"


async def test_a_restart_closes_with_1012_and_a_client_that_subscribes_again_carries_on(
    replicas: list[HubProcess], open311: ThreadedServer
) -> None:
    hub = replicas[0]
    complaint = "BPN-000064"
    async with socket_client(hub.url) as socket:
        await subscribe(socket, "1", FOLLOW, {"id": complaint})
        before = complaint_of(await received(socket))
        restarting = asyncio.create_task(asyncio.to_thread(hub.restart))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await received(socket, 15)
        await restarting
    assert closed.value.rcvd is not None and closed.value.rcvd.code == SERVICE_RESTART
    async with socket_client(hub.url) as socket:  # as graphql-ws clients do on 1012
        await subscribe(socket, "1", FOLLOW, {"id": complaint})
        again = complaint_of(await received(socket))
        open311.app.state.store.set_status(complaint, "closed", "Selesai")
        after = complaint_of(await received(socket, 15))
    assert again == before
    assert before["status"] == "OPEN"
    assert (after["status"], after["statusNotes"]) == ("CLOSED", "Selesai")
    errors = [line for line in hub.log.read_text().splitlines() if '"ERROR"' in line]
    assert errors == []  # the shutdown ended every subscription cleanly
