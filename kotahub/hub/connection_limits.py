"""What connections may hold of a uvicorn server: time for a request's head, idling, numbers."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import ClassVar, TypedDict

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from kotahub.hub.settings import Settings


class ServerLimits(TypedDict):
    """The options of ``uvicorn.run`` and ``uvicorn.Config`` that bound connections."""

    http: type[asyncio.Protocol]
    timeout_keep_alive: int
    limit_concurrency: int
    h11_max_incomplete_event_size: int
    timeout_graceful_shutdown: int
    ws_max_size: int
    ws_ping_interval: float
    ws_ping_timeout: float
    ws_per_message_deflate: bool


def server_limits(settings: Settings) -> ServerLimits:
    return ServerLimits(
        http=head_deadline_protocol(settings.header_timeout_seconds),
        timeout_keep_alive=settings.keep_alive_seconds,
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # A WebSocket message is bounded like a request body; a peer that stops answering
        # the protocol's pings is dropped.
        ws_max_size=settings.max_body_bytes,
        ws_ping_interval=settings.live_heartbeat_seconds,
        ws_ping_timeout=settings.live_heartbeat_seconds,
        # Events are small JSON: compressing them saved little and held ~36 KB a connection.
        ws_per_message_deflate=False,
    )


class DrainingServer(uvicorn.Server):
    """uvicorn's server, which first tells the app that it is shutting down: long-lived
    streams end then, rather than holding the shutdown for its whole grace period."""

    def __init__(self, config: uvicorn.Config, drain: Callable[[], None]) -> None:
        super().__init__(config)
        self._drain = drain

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self._drain()
        await asyncio.sleep(0)  # the streams write their last words before the sockets close
        await super().shutdown(sockets)


class HeadDeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, which on its own waits for ever for a request's head: here
    the head must arrive whole within ``head_timeout`` seconds of the connection, or of its
    first byte on a kept-alive connection; more bytes do not move the deadline, so sending
    a header a minute (slowloris) holds nothing for long."""

    head_timeout: ClassVar[float] = 10.0
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_watching()
        super().connection_lost(exc)

    def _watch_head(self) -> None:
        """Waiting for a head: the deadline runs (from now, if it was not running yet)."""
        if not self._awaiting_head():
            self._stop_watching()
        elif self._head_timer is None:
            self._head_timer = self.loop.call_later(self.head_timeout, self._head_too_slow)

    def _stop_watching(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._awaiting_head():
            self.transport.close()

    def _awaiting_head(self) -> bool:
        return self.conn.their_state is h11.IDLE and not self.transport.is_closing()


def head_deadline_protocol(seconds: float) -> type[HeadDeadlineProtocol]:
    """The protocol class with its deadline, as uvicorn takes a class, not an instance."""
    return type("HeadDeadlineProtocol", (HeadDeadlineProtocol,), {"head_timeout": seconds})
