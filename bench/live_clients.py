"""Subscribers in a process of their own: WebSocket and SSE followers of one complaint.

Run by ``bench.subscribers``: ``python -m bench.live_clients --hub URL --hub URL --tracking-id
ID --websocket 900 --sse 100``. It spreads the subscribers over the hubs in turn, prints one
JSON line ``{"ready": …}`` once every one has its first event, then ``{"complete": k}`` when
every one has had the event of round ``k`` (a change whose status notes end in `` k``), and
on ``stop`` (a line on stdin) ends them all and prints ``{"report": …}``: the wall-clock time
each subscriber received each round's event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import aconnect_sse
from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"
FOLLOW = """subscription ($id: String!) { complaintUpdated(trackingId: $id) {
  trackingId deliveryStatus status statusNotes agency } }"""
CONNECTING_AT_ONCE = 50
FIRST_EVENT_SECONDS = 60.0


@dataclass
class Subscriber:
    """One follower: where it is, and when it heard each round."""

    index: int
    transport: str
    hub: int
    first_event_s: float = 0.0
    heard: dict[int, float] = field(default_factory=dict)
    extra: int = 0
    error: str = ""


class Rounds:
    """Which subscribers heard each round; says when a round is complete."""

    def __init__(self, subscribers: list[Subscriber]) -> None:
        self.subscribers = subscribers
        self.first = asyncio.Event()
        self._first_left = len(subscribers)
        self._left: dict[int, int] = {}

    def first_heard(self, subscriber: Subscriber, started: float) -> None:
        subscriber.first_event_s = time.monotonic() - started
        self._first_left -= 1
        if self._first_left == 0:
            self.first.set()

    def heard(self, subscriber: Subscriber, complaint: dict[str, Any]) -> None:
        at = time.time()
        round_number = _round_of(complaint)
        if round_number is None or round_number in subscriber.heard:
            subscriber.extra += 1
            return
        subscriber.heard[round_number] = at
        left = self._left.get(round_number, len(self.subscribers)) - 1
        self._left[round_number] = left
        if left == 0:
            emit({"complete": round_number})


def _round_of(complaint: dict[str, Any]) -> int | None:
    notes = str(complaint.get("statusNotes") or "")
    tail = notes.rsplit(" ", 1)[-1]
    return int(tail) if notes.startswith("bench round") and tail.isdigit() else None


def emit(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _complaint(payload: dict[str, Any]) -> dict[str, Any]:
    if "errors" in payload:
        raise RuntimeError(f"the subscription answered errors: {payload['errors']}")
    complaint: dict[str, Any] = payload["data"]["complaintUpdated"]
    return complaint


async def follow_websocket(
    subscriber: Subscriber, url: str, tracking_id: str, rounds: Rounds, gate: asyncio.Semaphore
) -> None:
    """One graphql-transport-ws connection holding one subscription."""
    started = time.monotonic()
    opening = connect(url, subprotocols=[PROTOCOL], open_timeout=30)  # type: ignore[list-item]
    async with _until_first(gate) as let_next_in, opening as socket:
        await _subscribe(socket, tracking_id)
        _complaint((await _next_message(socket))["payload"])
        let_next_in()
        rounds.first_heard(subscriber, started)
        while True:
            message = await _next_message(socket)
            if message.get("type") != "next":
                raise RuntimeError(f"the subscription ended: {message}")
            rounds.heard(subscriber, _complaint(message["payload"]))


async def _subscribe(socket: ClientConnection, tracking_id: str) -> None:
    await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
    ack = json.loads(await asyncio.wait_for(socket.recv(), 30))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"expected connection_ack, got {ack}")
    payload = {"query": FOLLOW, "variables": {"id": tracking_id}}
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))


@asynccontextmanager
async def _until_first(gate: asyncio.Semaphore) -> AsyncIterator[Callable[[], None]]:
    """Holds a place among those connecting until the first event (or the end)."""
    await gate.acquire()
    held = True

    def release() -> None:
        nonlocal held
        if held:
            gate.release()
            held = False

    try:
        yield release
    finally:
        release()


async def _next_message(socket: ClientConnection) -> dict[str, Any]:
    """The next message but a ping, each ping answered as clients do."""
    while True:
        message: dict[str, Any] = json.loads(await socket.recv())
        if message.get("type") != "ping":
            return message
        await socket.send(json.dumps({"type": "pong"}))


async def follow_sse(
    subscriber: Subscriber,
    client: httpx.AsyncClient,
    tracking_id: str,
    rounds: Rounds,
    gate: asyncio.Semaphore,
) -> None:
    """One GraphQL-over-SSE stream (POST /graphql, Accept: text/event-stream)."""
    started = time.monotonic()
    body = {"query": FOLLOW, "variables": {"id": tracking_id}}
    headers = {"Accept": "text/event-stream"}
    opening = aconnect_sse(client, "POST", "/graphql", json=body, headers=headers)
    async with _until_first(gate) as let_next_in, opening as source:
        async for event in source.aiter_sse():
            if event.event != "next":
                continue
            complaint = _complaint(json.loads(event.data))
            if subscriber.first_event_s:
                rounds.heard(subscriber, complaint)
                continue
            let_next_in()
            rounds.first_heard(subscriber, started)
    raise RuntimeError("the SSE stream ended")


async def guarded(subscriber: Subscriber, following: Any) -> None:
    """Runs a follower; a failure is kept on the subscriber, not raised."""
    try:
        await following
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # reported, and the others go on
        subscriber.error = f"{type(exc).__name__}: {exc}"[:300]


def plan(websocket: int, sse: int, hubs: int) -> list[Subscriber]:
    """The subscribers, each transport spread over the hubs in turn."""
    sockets = [Subscriber(n, "websocket", n % hubs) for n in range(websocket)]
    streams = [Subscriber(websocket + n, "sse", n % hubs) for n in range(sse)]
    return sockets + streams


async def run(hubs: list[str], tracking_id: str, websocket: int, sse: int) -> None:
    subscribers = plan(websocket, sse, len(hubs))
    rounds = Rounds(subscribers)
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)
    timeout = httpx.Timeout(30.0, read=None)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=0)
    clients = [httpx.AsyncClient(base_url=h, timeout=timeout, limits=limits) for h in hubs]
    started = time.monotonic()
    tasks = [
        asyncio.create_task(guarded(s, _follower(s, hubs, clients, tracking_id, rounds, gate)))
        for s in subscribers
    ]
    await _ready(rounds, subscribers, started)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    emit({"report": [_described(s) for s in subscribers]})


def _follower(
    subscriber: Subscriber,
    hubs: list[str],
    clients: list[httpx.AsyncClient],
    tracking_id: str,
    rounds: Rounds,
    gate: asyncio.Semaphore,
) -> Any:
    if subscriber.transport == "sse":
        return follow_sse(subscriber, clients[subscriber.hub], tracking_id, rounds, gate)
    url = hubs[subscriber.hub].replace("http://", "ws://") + "/graphql"
    return follow_websocket(subscriber, url, tracking_id, rounds, gate)


async def _ready(rounds: Rounds, subscribers: list[Subscriber], started: float) -> None:
    """Waits for every first event (or a failure of every one left); says so."""
    deadline = time.monotonic() + FIRST_EVENT_SECONDS
    while not rounds.first.is_set() and time.monotonic() < deadline:
        waiting = [s for s in subscribers if not s.first_event_s and not s.error]
        if not waiting:
            break
        await asyncio.sleep(0.05)
    firsts = sorted(s.first_event_s for s in subscribers if s.first_event_s)
    errors = [s.error for s in subscribers if s.error]
    emit(
        {
            "ready": {
                "subscribed": len(firsts),
                "seconds": round(time.monotonic() - started, 3),
                "first_event_p50_s": firsts[len(firsts) // 2] if firsts else None,
                "errors": errors[:5],
                "error_count": len(errors),
            }
        }
    )


def _described(subscriber: Subscriber) -> dict[str, Any]:
    return {
        "transport": subscriber.transport,
        "hub": subscriber.hub,
        "heard": {str(k): v for k, v in subscriber.heard.items()},
        "extra": subscriber.extra,
        "error": subscriber.error,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hub", action="append", required=True, help="a hub's base URL")
    parser.add_argument("--tracking-id", required=True)
    parser.add_argument("--websocket", type=int, default=900)
    parser.add_argument("--sse", type=int, default=100)
    args = parser.parse_args(argv)
    asyncio.run(run(args.hub, args.tracking_id, args.websocket, args.sse))


if __name__ == "__main__":
    main()
