"""Upstreams whose POST answers go astray, as they do behind a gateway in trouble."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Literal

from starlette.responses import HTMLResponse, JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HOLD_SECONDS = 30.0
PostOutcome = Literal["answered", "made, answer lost", "not made, 502", "refused, 503"]


class LosesAnswers:
    """Passes requests on to ``app``, except that the next POSTs go as ``lose`` says (each
    outcome once, in order), and GET requests is answered with HTML while
    ``unreadable_searches`` is set."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.posts: list[PostOutcome] = []
        self.unreadable_searches = False

    def lose(self, *outcomes: PostOutcome) -> None:
        self.posts += outcomes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope.get("method"), scope.get("path", "")
        if method == "GET" and path.startswith("/requests") and self.unreadable_searches:
            await HTMLResponse("<html>Bad gateway</html>")(scope, receive, send)
            return
        outcome = self.posts.pop(0) if method == "POST" and self.posts else "answered"
        if outcome == "answered":
            await self.app(scope, receive, send)
        elif outcome == "made, answer lost":
            await self.app(scope, receive, _dropped)
            await _gateway_error(502)(scope, receive, send)
        else:
            await _gateway_error(502 if outcome == "not made, 502" else 503)(scope, receive, send)


class HoldsAnswers:
    """Makes what is POSTed at once, sets ``made``, and holds the answer until ``release``
    or for ``seconds`` (by default HOLD_SECONDS, so that a failed test does not hold the
    server's shutdown): the worker that posted may die, or give up waiting, in between."""

    def __init__(self, app: ASGIApp, seconds: float = HOLD_SECONDS) -> None:
        self.app = app
        self.seconds = seconds
        self.made = threading.Event()
        self._released = asyncio.Event()  # used on the server's own loop only
        self._loop: asyncio.AbstractEventLoop | None = None

    def release(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._released.set)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self._loop = asyncio.get_running_loop()

        async def held(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("method") == "POST":
                self.made.set()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._released.wait(), self.seconds)
            await send(message)

        await self.app(scope, receive, held)


async def _dropped(message: Message) -> None:
    """Where an answer that never reaches the client goes."""


def _gateway_error(status: int) -> JSONResponse:
    return JSONResponse([{"code": status, "description": "upstream unavailable"}], status)
