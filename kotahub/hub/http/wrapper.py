"""The base of the hub's ASGI wrappers: they act on HTTP requests and pass the rest on."""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


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
