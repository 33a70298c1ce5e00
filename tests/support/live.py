"""Live updates in the tests: a hub on a real socket, and WebSocket and SSE subscribers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
from httpx_sse import aconnect_sse
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from kotahub.clock import SYSTEM_CLOCK, Clock
from kotahub.hub.app import begin_draining, create_app
from kotahub.hub.connection_limits import DrainingServer
from kotahub.hub.settings import Settings
from tests.support.ports import free_port

PROTOCOL = "graphql-transport-ws"
FOLLOW = """subscription ($id: String!) { complaintUpdated(trackingId: $id) {
  trackingId deliveryStatus status statusNotes agency } }"""


@asynccontextmanager
async def serving_hub(
    settings: Settings, clock: Clock = SYSTEM_CLOCK
) -> AsyncIterator[tuple[str, Starlette]]:
    """The hub on a loopback port of its own, its lifespan running; its base URL and app."""
    app = create_app(settings, clock=clock)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = DrainingServer(config, lambda: begin_draining(app))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the hub did not start"
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


@asynccontextmanager
async def socket_client(
    base: str, payload: dict[str, Any] | None = None
) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws connection, acknowledged."""
    url = base.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        yield socket


async def subscribe(
    socket: ClientConnection, operation_id: str, query: str, variables: dict[str, Any]
) -> None:
    message = {"query": query, "variables": variables}
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": message}))


async def received(socket: ClientConnection, seconds: float = 10.0) -> dict[str, Any]:
    """The next message other than a ping (each ping answered, as clients do)."""
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), seconds))
        if message["type"] != "ping":
            return message
        await socket.send(json.dumps({"type": "pong"}))


async def sse_events(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], queue: asyncio.Queue[Any]
) -> None:
    """Puts each event of a GraphQL-over-SSE subscription (POST) on ``queue``, then None."""
    body = {"query": query, "variables": variables}
    headers = {"Accept": "text/event-stream"}
    async with aconnect_sse(client, "POST", "/graphql", json=body, headers=headers) as source:
        async for event in source.aiter_sse():
            await queue.put((event.event, json.loads(event.data) if event.data else None))
    await queue.put(None)


def complaint_of(message: dict[str, Any]) -> dict[str, Any]:
    """The complaint of a ``next`` message, or of an SSE ``next`` event's data."""
    payload = message.get("payload", message)
    assert "errors" not in payload, payload
    complaint: dict[str, Any] = payload["data"]["complaintUpdated"]
    return complaint
