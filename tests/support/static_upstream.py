"""An upstream that answers each of its paths with the same JSON, on a real socket."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.servers import ThreadedServer


def static_app(routes: Mapping[str, Any]) -> Starlette:
    """Answers each path with its JSON, whatever the query."""

    def answer(body: Any) -> Callable[[Request], Any]:
        async def answered(request: Request) -> JSONResponse:
            return JSONResponse(body)

        return answered

    return Starlette(routes=[Route(path, answer(body)) for path, body in routes.items()])


@contextmanager
def static_upstream(routes: Mapping[str, Any]) -> Iterator[ThreadedServer]:
    server = ThreadedServer(static_app(routes))
    server.start()
    try:
        yield server
    finally:
        server.stop()
