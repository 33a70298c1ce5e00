"""Live connections at the door: keys, scopes, query limits, and the bounds on what one
connection, one client and one process may hold."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from kotahub.hub.settings import Settings
from tests.observability.test_metrics import samples
from tests.support.api_keys import ADMIN_KEY, api_keys
from tests.support.live import FOLLOW, PROTOCOL, received, serving_hub, socket_client, subscribe
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.integration

OPEN_COMPLAINT = "BPN-000064"
SOURCES = "subscription { sourceStatusChanged { name state } }"


@pytest.fixture
def settings(hub_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return hub_settings(api_keys=api_keys(), live_poll_seconds=0.2, **overrides)

    return make


async def _closed(url: str, init: dict[str, Any] | None) -> tuple[int, str]:
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        if init is not None:
            await socket.send(json.dumps(init))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(socket.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


async def test_a_key_the_hub_does_not_know_closes_the_connection_with_4403(
    settings: Callable[..., Settings],
) -> None:
    async with serving_hub(settings()) as (base, _app):
        url = base.replace("http", "ws") + "/graphql"
        init = {"type": "connection_init", "payload": {"X-API-Key": "kh_not-a-key"}}
        code, reason = await _closed(url, init)
    assert code == 4403
    assert "key" in reason.lower()


async def test_source_status_needs_the_admin_scope_and_the_key_in_connection_init_gives_it(
    settings: Callable[..., Settings],
) -> None:
    async with serving_hub(settings()) as (base, _app):
        async with socket_client(base) as anonymous:
            await subscribe(anonymous, "1", SOURCES, {})
            refused = await received(anonymous)
        async with socket_client(base, {"Authorization": f"Bearer {ADMIN_KEY}"}) as admin:
            await subscribe(admin, "1", SOURCES, {})
            with pytest.raises(TimeoutError):  # admitted: it waits for a change
                await received(admin, seconds=0.5)
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_queries_are_refused_over_websocket_with_where_to_send_them(
    settings: Callable[..., Settings],
) -> None:
    async with serving_hub(settings()) as (base, _app), socket_client(base) as socket:
        await subscribe(socket, "q", "{ dimensions { code } }", {})
        refused = await received(socket)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "OPERATION_NOT_SUPPORTED"
    assert "POST /graphql" in refused["payload"][0]["message"]


async def test_the_doors_query_limits_apply_to_subscription_documents(
    settings: Callable[..., Settings],
) -> None:
    deep = 'subscription { complaintUpdated(trackingId: "x") { location { lat } } }'
    async with serving_hub(settings(max_depth=2)) as (base, _app), socket_client(base) as socket:
        await subscribe(socket, "d", deep, {})
        refused = await received(socket)
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["limit"] == "max_depth"


async def test_one_subscription_more_than_a_connection_may_hold_is_refused(
    settings: Callable[..., Settings],
) -> None:
    async with (
        serving_hub(settings(live_max_per_connection=2)) as (base, _app),
        socket_client(base) as socket,
    ):
        for n in "12":
            await subscribe(socket, n, FOLLOW, {"id": OPEN_COMPLAINT})
            assert (await received(socket))["type"] == "next"
        await subscribe(socket, "3", FOLLOW, {"id": OPEN_COMPLAINT})
        refused = await received(socket)
    assert (refused["id"], refused["type"]) == ("3", "error")
    assert "limit" in refused["payload"][0]["message"].lower()


async def test_one_client_is_bounded_across_connections_and_transports(
    settings: Callable[..., Settings],
) -> None:
    async with (
        serving_hub(settings(live_max_per_client=2)) as (base, _app),
        socket_client(base) as first,
        socket_client(base) as second,
    ):
        await subscribe(first, "1", FOLLOW, {"id": OPEN_COMPLAINT})
        await subscribe(second, "1", FOLLOW, {"id": OPEN_COMPLAINT})
        assert (await received(first))["type"] == (await received(second))["type"] == "next"
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            body = {"query": FOLLOW, "variables": {"id": OPEN_COMPLAINT}}
            headers = {"Accept": "text/event-stream"}
            async with client.stream("POST", "/graphql", json=body, headers=headers) as sse:
                text = await anext(sse.aiter_text())
    assert "TOO_MANY_SUBSCRIPTIONS" in text


async def test_a_process_full_of_live_connections_refuses_one_more_on_either_transport(
    settings: Callable[..., Settings],
) -> None:
    async with serving_hub(settings(live_max_connections=1)) as (base, _app), socket_client(base):
        code, reason = await _closed(base.replace("http", "ws") + "/graphql", None)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            body = {"query": FOLLOW, "variables": {"id": OPEN_COMPLAINT}}
            response = await client.post(
                "/graphql", json=body, headers={"Accept": "text/event-stream"}
            )
    assert (code, "try again later" in reason) == (1013, True)
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_CONNECTIONS"


async def test_the_hub_pings_and_closes_a_connection_idle_for_too_long(
    settings: Callable[..., Settings],
) -> None:
    async with (
        serving_hub(settings(live_heartbeat_seconds=0.1, live_idle_seconds=0.5)) as (
            base,
            _app,
        ),
        socket_client(base) as socket,
    ):
        first = json.loads(await asyncio.wait_for(socket.recv(), 5))
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(socket.recv(), 5)
    assert first == {"type": "ping"}
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1000


async def test_metrics_count_subscriptions_while_they_run(
    settings: Callable[..., Settings],
) -> None:
    active = ("kotahub_subscriptions_active", (("field", "complaintUpdated"),))
    delivered = ("kotahub_live_events_delivered_total", (("field", "complaintUpdated"),))
    async with (
        serving_hub(settings()) as (base, _app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        async with socket_client(base) as socket:
            await subscribe(socket, "1", FOLLOW, {"id": OPEN_COMPLAINT})
            await received(socket)
            during = samples((await client.get("/metrics")).text)
        await asyncio.sleep(0.3)
        after = samples((await client.get("/metrics")).text)
    assert (during[active], during[delivered]) == (1.0, 1.0)
    assert after[active] == 0.0


async def test_an_sse_stream_ends_without_complete_when_the_hub_begins_to_drain(
    settings: Callable[..., Settings],
) -> None:
    async with (
        serving_hub(settings()) as (base, app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        body = {"query": FOLLOW, "variables": {"id": OPEN_COMPLAINT}}
        headers = {"Accept": "text/event-stream"}
        async with client.stream("POST", "/graphql", json=body, headers=headers) as sse:
            chunks = sse.aiter_text()
            first = await anext(chunks)
            app.state.runtime.draining.set()
            rest = "".join([chunk async for chunk in chunks])
    assert first.startswith("event: next")
    assert "restarting" in rest
    assert "event: complete" not in rest


async def test_an_sse_stream_carries_a_comment_each_heartbeat(
    settings: Callable[..., Settings],
) -> None:
    async with (
        serving_hub(settings(live_heartbeat_seconds=0.1)) as (base, _app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        body = {"query": FOLLOW, "variables": {"id": OPEN_COMPLAINT}}
        headers = {"Accept": "text/event-stream"}
        async with client.stream("POST", "/graphql", json=body, headers=headers) as sse:
            chunks = sse.aiter_text()
            texts = [await anext(chunks) for _ in range(3)]
    assert texts[0].startswith("event: next")
    assert texts[1:] == [": ping\r\n\r\n", ": ping\r\n\r\n"]


async def test_without_redis_a_subscription_is_refused_clearly_and_queries_still_run(
    settings: Callable[..., Settings], private_redis: RedisServer
) -> None:
    hub = settings(redis_url=private_redis.url, redis_timeout_seconds=0.5)
    async with serving_hub(hub) as (base, _app):
        private_redis.stop()
        async with socket_client(base) as socket:
            await subscribe(socket, "1", FOLLOW, {"id": OPEN_COMPLAINT})
            refused = await received(socket)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            query = {"query": '{ complaint(trackingId: "BPN-000064") { status } }'}
            answered = (await client.post("/graphql", json=query)).json()
    error = refused["payload"]["errors"][0]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "event store" in error["message"]
    assert answered["data"]["complaint"]["status"] == "OPEN"


async def test_one_address_cannot_take_every_live_connection(
    settings: Callable[..., Settings],
) -> None:
    async with serving_hub(settings(live_max_connections_per_client=2)) as (base, _app):
        url = base.replace("http", "ws") + "/graphql"
        async with socket_client(base), socket_client(base):
            code, reason = await _closed(url, None)
        async with socket_client(base):  # one closed: room again
            pass
    assert (code, "this address" in reason) == (1013, True)


def test_live_connections_must_leave_room_for_queries(
    hub_settings: Callable[..., Settings],
) -> None:
    expected = r"live_max_connections \(100\) must be below max_connections \(100\)"
    with pytest.raises(ValueError, match=expected):
        hub_settings(max_connections=100, live_max_connections=100)


async def test_an_event_stream_client_and_a_json_client_never_share_an_answer(
    settings: Callable[..., Settings],
) -> None:
    query = {"query": "{ touristSpots(first: 1) { totalCount } }"}
    async with (
        serving_hub(settings()) as (base, _app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        as_json = [await client.post("/graphql", json=query) for _ in range(2)]
        events = await client.post("/graphql", json=query, headers={"Accept": "text/event-stream"})
    assert [r.headers["x-kotahub-cache"] for r in as_json] == ["miss", "hit"]
    assert events.headers["x-kotahub-cache"] == "bypass"
    assert events.headers["content-type"].startswith("text/event-stream")
    assert events.text.startswith("event: next")


async def test_an_answer_in_parts_goes_as_multipart_even_to_a_client_reading_events(
    settings: Callable[..., Settings],
) -> None:
    query = {"query": "{ dimensions { code ... @defer { programs { name } } } }"}
    accept = {"Accept": "text/event-stream, multipart/mixed;deferSpec=20220824"}
    async with (
        serving_hub(settings()) as (base, _app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        response = await client.post("/graphql", json=query, headers=accept)
    assert response.headers["content-type"].startswith("multipart/mixed")
