"""The hub's HTTP policy from its settings: proxies trusted, CORS, request ids, query rules."""

from __future__ import annotations

import strawberry
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from kotahub.hub.api_keys import KEY_HEADER, KeyRing
from kotahub.hub.graphql_gate import GateRules
from kotahub.hub.query_limits import QueryLimits
from kotahub.hub.request_id import RequestId
from kotahub.hub.settings import Settings
from kotahub.hub.tracing_middleware import RequestSpan

EXPOSED_HEADERS = ["x-request-id", "x-kotahub-cache", "retry-after"]


def http_middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the client's real address, a request id, the request's span (a
    no-op unless tracing is on), then CORS."""
    stack = []
    if settings.trusted_proxies:
        stack.append(
            Middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
        )
    origins = list(settings.cors_origins)
    stack += [
        Middleware(RequestId),
        Middleware(RequestSpan),
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            # Credentials (cookies, HTTP auth) only for origins named one by one.
            allow_credentials="*" not in origins,
            allow_methods=["GET", "POST"],
            allow_headers=[
                "content-type",
                "authorization",
                KEY_HEADER,
                "x-request-id",
                "accept-language",
            ],
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        ),
    ]
    return stack


def gate_rules(settings: Settings, schema: strawberry.Schema) -> GateRules:
    limits = QueryLimits(
        max_depth=settings.max_depth,
        max_fields=settings.max_fields,
        max_aliases=settings.max_aliases,
        max_directives=settings.max_directives,
        max_cost=settings.max_cost,
        max_page_size=settings.max_page_size,
        default_page_size=settings.default_page_size,
        list_size=settings.list_size_estimate,
        introspection=settings.introspection,
    )
    return GateRules(
        schema._schema,
        KeyRing(settings.api_keys),
        limits,
        max_tokens=settings.max_tokens,
        max_query_length=settings.max_query_length,
        max_batch=settings.max_batch_operations,
    )
