"""The Starlette application: routes, and the lifespan that owns the shared connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Route

from kotahub.hub.graphql_view import HubGraphQL
from kotahub.hub.health import healthz, readyz
from kotahub.hub.playground import playground_routes
from kotahub.hub.runtime import check_adapter_kinds, start_runtime
from kotahub.hub.settings import Settings
from kotahub.schema.build import build_schema


def create_app(
    settings: Settings, mounts: dict[str, httpx.AsyncBaseTransport] | None = None
) -> Starlette:
    """The hub for these settings; ``mounts`` can route sources to in-process ASGI apps."""
    check_adapter_kinds(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.runtime = await start_runtime(settings, mounts)
        try:
            yield
        finally:
            await app.state.runtime.aclose()

    graphql = HubGraphQL(build_schema(), graphql_ide="graphiql" if settings.graphiql else None)
    routes: list[BaseRoute] = [
        Route("/", _to_graphql),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *playground_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _to_graphql(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")
