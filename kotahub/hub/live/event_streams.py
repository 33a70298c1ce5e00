"""Subscriptions over Server-Sent Events at the door's side: counted against the process's
live connections, and ended when the hub begins to shut down.

A stream the hub ends for a restart ends without ``event: complete``, as a dropped
connection does: graphql-sse clients take that as their cue to subscribe again (to another
replica, or to this one once it is back), whereas ``complete`` would tell them it is over.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import ClassVar

from graphql import OperationType
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.base import BaseView
from strawberry.http.streaming import HTTPStreamTransport, SSETransport
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL

from kotahub.hub.http.graphql_call import graphql_call
from kotahub.hub.http.replies import send_errors
from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.hub.policy.live_limits import LiveLimits
from kotahub.hub.runtime import HubRuntime

RESTARTING = b": the hub is restarting; subscribe again\r\n\r\n"


class HeartbeatSSE(SSETransport):
    """Strawberry's graphql-sse transport, with a comment every ``every`` seconds."""

    every: ClassVar[float] = 15.0

    def __init__(self) -> None:
        super().__init__(heartbeat_interval=self.every)


def sse_transports(heartbeat_seconds: float) -> dict[str, type[HTTPStreamTransport]]:
    """Strawberry's stream transports, the SSE one with the hub's heartbeat."""
    sse = type("HeartbeatSSE", (HeartbeatSSE,), {"every": heartbeat_seconds})
    return {**BaseView.stream_transport_classes_by_protocol, GRAPHQL_SSE_PROTOCOL: sse}


class LiveStreams(HttpWrapper):
    """Subscriptions go to ``streams`` (the GraphQL view) directly: no whole-response
    cache, no request deadline or latency metric for what lasts as long as its client
    wants; every other request goes on to ``app``."""

    def __init__(self, app: ASGIApp, streams: ASGIApp) -> None:
        super().__init__(app)
        self.streams = streams

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _subscribes(scope):
            await self.app(scope, receive, send)
            return
        runtime: HubRuntime = scope["app"].state.runtime
        limits = runtime.live_limits
        address = scope["client"][0] if scope.get("client") else "unknown"
        full = limits.connect("sse", address)
        if full is not None:
            await send_errors(send, 503, [_full(full)], {"Retry-After": "5"})
            return
        try:
            await self._until_draining(scope, receive, _Sent(send), runtime.draining)
        finally:
            limits.disconnect("sse", address)

    async def _until_draining(
        self, scope: Scope, receive: Receive, sent: _Sent, draining: asyncio.Event
    ) -> None:
        """Streams until the subscription ends or the hub drains, then ends the response."""
        running = asyncio.ensure_future(self.streams(scope, receive, sent))
        drained = asyncio.ensure_future(draining.wait())
        try:
            await asyncio.wait([running, drained], return_when=asyncio.FIRST_COMPLETED)
        finally:
            drained.cancel()
            if not running.done():
                running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
        if sent.started and not sent.ended:
            await sent({"type": "http.response.body", "body": RESTARTING, "more_body": False})


class _Sent:
    """``send``, knowing whether the response has started and whether it has ended."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = self.ended = False

    async def __call__(self, message: Message) -> None:
        await self._send(message)
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            self.ended = True


def _subscribes(scope: Scope) -> bool:
    admission = graphql_call(scope).admission
    if admission is None or len(admission.operations) != 1:
        return False
    checked = admission.operations[0].checked
    return checked is not None and checked.operation.operation == OperationType.SUBSCRIPTION


def _full(limit: str) -> dict[str, object]:
    return {
        "message": LiveLimits.refusal(limit),
        "extensions": {"code": "TOO_MANY_CONNECTIONS", "limit": limit},
    }
