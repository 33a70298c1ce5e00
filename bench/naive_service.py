"""A hand-written Strawberry service over the same upstreams, counting its upstream requests.

    python -m bench.naive_service --port 8002 --upstreams http://127.0.0.1:8100

GET /_upstream_requests answers how many requests it has sent upstream so far.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from bench.naive_schema import Context, schema


class UpstreamCounter:
    """An httpx request hook that counts every request the client sends."""

    def __init__(self) -> None:
        self.count = 0

    async def __call__(self, request: httpx.Request) -> None:
        self.count += 1


class NaiveGraphQL(GraphQL[Context, None]):
    """Hands every resolver the one shared client."""

    def __init__(self, http: httpx.AsyncClient, base: str) -> None:
        super().__init__(schema, graphql_ide=None)
        self.context = Context(http=http, base=base)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return self.context


def create_app(upstreams: str) -> Starlette:
    """/graphql, /healthz and /_upstream_requests; the client lives as long as the app."""
    counter = UpstreamCounter()
    http = httpx.AsyncClient(event_hooks={"request": [counter]}, timeout=30.0)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await http.aclose()

    async def upstream_requests(request: Request) -> Response:
        return JSONResponse({"count": counter.count})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    routes = [
        Route("/graphql", NaiveGraphQL(http, upstreams.rstrip("/")), methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/_upstream_requests", upstream_requests),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstreams", required=True, help="where `kotahub demo-sources` runs")
    args = parser.parse_args(argv)
    app = create_app(args.upstreams)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
