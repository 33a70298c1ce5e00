"""Subscriptions end to end on a real socket: a complaint followed over WebSocket and over
SSE from QUEUED to SUBMITTED to closed at the reference Open311 server."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.hub.settings import Settings
from tests.support.api_keys import ADMIN_KEY, api_keys
from tests.support.complaints import road_complaint, submit
from tests.support.fake_clock import FakeClock
from tests.support.live import (
    FOLLOW,
    complaint_of,
    received,
    serving_hub,
    socket_client,
    sse_events,
    subscribe,
)
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.integration


@pytest.fixture
def live_settings(
    hub_settings: Callable[..., Settings], open311: ThreadedServer
) -> Callable[..., Settings]:
    """A hub on a reference Open311 server of the test's own, watching it every 0.2 s."""
    source = {
        "name": "complaints",
        "kind": "open311",
        "base_url": open311.url,
        "api_key": DEMO_API_KEY,
        "ttl_seconds": 60,  # the watcher asks again all the same
    }

    def make(**overrides: Any) -> Settings:
        return hub_settings(**{"sources": [source], "live_poll_seconds": 0.2, **overrides})

    return make


async def _filed(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        filed = await submit(client, road_complaint(), key=f"live-{uuid.uuid4().hex}")
    tracking_id: str = filed["trackingId"]
    return tracking_id


async def _upstream_id(base: str, tracking_id: str) -> str:
    query = "query ($id: String!) { complaint(trackingId: $id) { sourceId } }"
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": {"id": tracking_id}}
        )
    source_id: str = response.json()["data"]["complaint"]["sourceId"]
    return source_id


async def test_a_websocket_follower_sees_a_complaint_queued_submitted_and_closed(
    live_settings: Callable[..., Settings], open311: ThreadedServer
) -> None:
    settings = live_settings(delivery_worker=False)
    async with serving_hub(settings) as (base, _app):
        tracking_id = await _filed(base)
        async with socket_client(base) as socket:
            await subscribe(socket, "1", FOLLOW, {"id": tracking_id})
            first = complaint_of(await received(socket))
            assert (first["trackingId"], first["deliveryStatus"]) == (tracking_id, "QUEUED")
            worker = live_settings(delivery_worker=True, cache_prefix=settings.cache_prefix)
            async with serving_hub(worker):
                submitted = complaint_of(await received(socket))
            assert submitted["deliveryStatus"] == "SUBMITTED"
            assert submitted["status"] == "OPEN"
            source_id = await _upstream_id(base, tracking_id)
            open311.app.state.store.set_status(source_id, "closed", "Sudah ditambal", "Dinas PU")
            closed = complaint_of(await received(socket))
    assert closed == {
        "trackingId": tracking_id,
        "deliveryStatus": "SUBMITTED",
        "status": "CLOSED",
        "statusNotes": "Sudah ditambal",
        "agency": "Dinas PU",
    }


async def test_an_sse_follower_sees_the_same_moves(
    live_settings: Callable[..., Settings], open311: ThreadedServer
) -> None:
    async with serving_hub(live_settings(delivery_worker=True)) as (base, _app):
        tracking_id = await _filed(base)
        events: asyncio.Queue[Any] = asyncio.Queue()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            following = asyncio.create_task(sse_events(client, FOLLOW, {"id": tracking_id}, events))
            seen = [complaint_of((await asyncio.wait_for(events.get(), 10))[1])]
            while seen[-1]["deliveryStatus"] != "SUBMITTED":
                seen.append(complaint_of((await asyncio.wait_for(events.get(), 10))[1]))
            source_id = await _upstream_id(base, tracking_id)
            open311.app.state.store.set_status(source_id, "closed", "Selesai")
            seen.append(complaint_of((await asyncio.wait_for(events.get(), 10))[1]))
            following.cancel()
    assert seen[0]["deliveryStatus"] in {"QUEUED", "SUBMITTED"}
    assert (seen[-1]["status"], seen[-1]["statusNotes"]) == ("CLOSED", "Selesai")


async def test_an_admin_hears_a_source_fail_and_its_circuit_open(
    live_settings: Callable[..., Settings], open311: ThreadedServer
) -> None:
    source: dict[str, Any] = {"name": "complaints", "kind": "open311", "base_url": open311.url}
    source |= {"api_key": DEMO_API_KEY, "breaker_failures": 2, "timeout_seconds": 1}
    settings = live_settings(api_keys=api_keys(), sources=[source], upstream_cache=False)
    query = "subscription { sourceStatusChanged { name state lastError } }"
    async with (
        serving_hub(settings) as (base, _app),
        socket_client(base, {"X-API-Key": ADMIN_KEY}) as socket,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        await subscribe(socket, "s", query, {})
        open311.stop()
        states = []
        while "open" not in states:
            await client.post("/graphql", json={"query": "{ complaintCategories { code } }"})
            message = await received(socket)
            states.append(message["payload"]["data"]["sourceStatusChanged"]["state"].lower())
        assert message["payload"]["data"]["sourceStatusChanged"]["name"] == "complaints"
        assert message["payload"]["data"]["sourceStatusChanged"]["lastError"]
    assert states[-1] == "open"


async def test_a_new_follower_after_a_change_sees_the_complaint_as_it_is_now(
    live_settings: Callable[..., Settings], open311: ThreadedServer
) -> None:
    complaint = "BPN-000064"
    async with (
        serving_hub(live_settings()) as (base, _app),
        socket_client(base) as first,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        query = f'{{ complaint(trackingId: "{complaint}") {{ status }} }}'
        await client.post("/graphql", json={"query": query})  # its own answer, cached 60 s
        await subscribe(first, "1", FOLLOW, {"id": complaint})
        assert complaint_of(await received(first))["status"] == "OPEN"
        open311.app.state.store.set_status(complaint, "closed", "Selesai")
        assert complaint_of(await received(first))["status"] == "CLOSED"
        async with socket_client(base) as later:
            await subscribe(later, "1", FOLLOW, {"id": complaint})
            seen = complaint_of(await received(later))
            if seen["status"] != "CLOSED":  # an older cached look: the next round tells it
                seen = complaint_of(await received(later, 5))
    assert (seen["status"], seen["statusNotes"]) == ("CLOSED", "Selesai")


async def test_events_are_resolved_at_their_own_time(
    live_settings: Callable[..., Settings], open311: ThreadedServer
) -> None:
    clock = FakeClock()
    follow = """subscription ($id: String!) { complaintUpdated(trackingId: $id) {
      statusNotes isOverdue } }"""
    async with (
        serving_hub(live_settings(), clock) as (base, _app),
        socket_client(base) as socket,
    ):
        await subscribe(socket, "1", follow, {"id": "BPN-000064"})
        before = complaint_of(await received(socket))
        clock.advance(400 * 86_400)  # well past any deadline
        open311.app.state.store.set_status("BPN-000064", "open", "Menunggu anggaran")
        after = complaint_of(await received(socket))
    assert (before["isOverdue"], after["isOverdue"]) == (False, True)
    assert after["statusNotes"] == "Menunggu anggaran"


async def test_an_sse_subscription_outlives_the_request_deadline(
    live_settings: Callable[..., Settings],
) -> None:
    settings = live_settings(delivery_worker=False, request_timeout_seconds=1)
    follow = """subscription ($id: String!) {
      complaintUpdated(trackingId: $id) { deliveryStatus sourceId } }"""
    async with serving_hub(settings) as (base, _app):
        tracking_id = await _filed(base)
        events: asyncio.Queue[Any] = asyncio.Queue()
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            following = asyncio.create_task(sse_events(client, follow, {"id": tracking_id}, events))
            queued = (await asyncio.wait_for(events.get(), 10))[1]
            await asyncio.sleep(1.5)  # past the deadline of one request
            worker = live_settings(delivery_worker=True, cache_prefix=settings.cache_prefix)
            async with serving_hub(worker):
                submitted = (await asyncio.wait_for(events.get(), 10))[1]
            following.cancel()
    assert queued["data"]["complaintUpdated"]["deliveryStatus"] == "QUEUED"
    assert submitted["data"]["complaintUpdated"]["deliveryStatus"] == "SUBMITTED"
    assert submitted["data"]["complaintUpdated"]["sourceId"]
