"""The base of the hub's ASGI wrappers: they act on HTTP requests and pass the rest on."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HttpWrapper(ABC):
    """Wraps ``app``; lifespan and websocket traffic goes straight through to it. Each
    wrapper says what it does with an HTTP request in ``handle``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request."""


def response_headers(start: Message) -> MutableHeaders:
    """The headers of an ``http.response.start`` message, edited in place as it goes out."""
    start.setdefault("headers", [])
    return MutableHeaders(scope=start)
