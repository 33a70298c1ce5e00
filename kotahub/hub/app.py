"""The Starlette application: routes, and the lifespan that owns the shared connections."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_SSE_PROTOCOL, GRAPHQL_TRANSPORT_WS_PROTOCOL

from kotahub.clock import SYSTEM_CLOCK, Clock
from kotahub.demo.app import create_demo_app
from kotahub.hub.embedded import EMBEDDED_PREFIX, embedded_mounts
from kotahub.hub.graphql.gate import GraphQLGate
from kotahub.hub.graphql.outcome_log import GraphQLAccess
from kotahub.hub.graphql.response_cache import ResponseCache
from kotahub.hub.graphql.view import HubGraphQL
from kotahub.hub.http.media_types import GraphQLMediaType
from kotahub.hub.http.relative_redirects import relative_slash_redirects
from kotahub.hub.http_policy import gate_rules, http_middleware
from kotahub.hub.live.event_streams import LiveStreams, sse_transports
from kotahub.hub.pages.metrics import metrics_page
from kotahub.hub.pages.playground import playground_routes
from kotahub.hub.pages.portal import portal_built, portal_operations, portal_routes
from kotahub.hub.pages.probes import liveness, readiness
from kotahub.hub.policy.persisted_queries import load_manifest
from kotahub.hub.runtime import check_sources, start_runtime
from kotahub.hub.settings import Settings, retired_settings
from kotahub.observability.tracing import configure_tracing
from kotahub.schema.build import build_schema

log = logging.getLogger("kotahub")


def create_app(
    settings: Settings,
    mounts: dict[str, httpx.AsyncBaseTransport] | None = None,
    *,
    clock: Clock = SYSTEM_CLOCK,
) -> Starlette:
    """The hub for these settings; ``mounts`` can route sources to in-process ASGI apps, and
    ``clock`` is the time its caches and breakers go by.

    With no sources configured, the reference upstreams run in process and are also served
    under ``/reference`` so that browsers can open what they link to.
    """
    check_sources(settings)
    for warning in retired_settings(os.environ):
        log.warning(warning)
    manifest = load_manifest(settings.persisted_queries_file)  # a bad one stops start-up here
    if settings.portal:  # the portal's own operations run in persisted-only mode too
        manifest = with_portal_operations(manifest, settings.persisted_queries)
    configure_tracing()  # only when the standard OTEL_* variables ask for traces
    routes: list[BaseRoute] = []
    transports = dict(mounts or {})
    if settings.embedded:
        demo = create_demo_app(data_dir=settings.demo_data_dir)
        routes.append(Mount(EMBEDDED_PREFIX, app=demo))
        transports = {**embedded_mounts(settings, demo), **transports}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.runtime = await start_runtime(settings, transports, manifest, clock=clock)
        app.state.runtime.start_listening()
        app.state.runtime.start_live()
        if settings.delivery_worker:
            app.state.runtime.start_delivery()
        try:
            yield
        finally:
            await app.state.runtime.aclose()

    schema = build_schema(federation=settings.federation)
    graphql = HubGraphQL(
        schema,
        graphql_ide="graphiql" if settings.graphiql else None,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_SSE_PROTOCOL),
        connection_init_wait_timeout=timedelta(seconds=settings.live_init_seconds),
        max_subscriptions_per_connection=settings.live_max_per_connection,
    )
    graphql.stream_transport_classes_by_protocol = sse_transports(settings.live_heartbeat_seconds)
    served = LiveStreams(ResponseCache(graphql), streams=graphql)
    gate = GraphQLGate(served, gate_rules(settings, schema))
    routes += [
        Route("/", _to_portal if settings.portal else _to_graphql),
        Route("/graphql", GraphQLAccess(GraphQLMediaType(gate)), methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", liveness),
        Route("/metrics", metrics_page),
        Route("/readyz", readiness),
        *playground_routes(),
        *(portal_routes(settings) if settings.portal else []),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=http_middleware(settings))
    app.state.door = gate  # subscriptions on open WebSockets pass it one by one
    relative_slash_redirects(app)
    return app


def with_portal_operations(manifest: dict[str, str], mode: str) -> dict[str, str]:
    """The manifest and the portal's operations; said at start-up when persisted-only mode
    thereby runs more than the manifest names."""
    portal = portal_operations()
    added = portal.keys() - manifest.keys()
    if mode == "only" and added:
        log.warning(
            "persisted-only mode runs the portal's %d operations besides the manifest's "
            "(set portal = false to run the manifest's alone)",
            len(added),
        )
    return {**portal, **manifest}


async def _to_graphql(request: Request) -> RedirectResponse:
    return RedirectResponse("/graphql")


async def _to_portal(request: Request) -> RedirectResponse:
    """The portal, once it is built; GraphiQL until then."""
    return RedirectResponse("/portal/" if portal_built() else "/graphql")


def begin_draining(app: Starlette) -> None:
    """The server is shutting down: live streams end now, so that their clients resubscribe
    (WebSocket connections are closed by the server with 1012, service restart)."""
    runtime = getattr(app.state, "runtime", None)
    if runtime is not None:
        runtime.draining.set()
