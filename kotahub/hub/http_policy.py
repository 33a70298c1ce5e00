"""The hub's HTTP policy from its settings: proxies trusted, CORS, request ids, query rules."""

from __future__ import annotations

import strawberry
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware

from kotahub.hub.graphql.gate import GateRules
from kotahub.hub.http.forwarded_client import ForwardedClient
from kotahub.hub.http.request_id import RequestId
from kotahub.hub.http.request_span import RequestSpan
from kotahub.hub.policy.api_keys import KEY_HEADER, KeyRing
from kotahub.hub.policy.query_limits import QueryLimits
from kotahub.hub.settings import Settings

EXPOSED_HEADERS = ["x-request-id", "x-kotahub-cache", "retry-after"]


def http_middleware(settings: Settings) -> list[Middleware]:
    """Outermost first: the Host header checked, the client's real address, a request id,
    the request's span (a no-op unless tracing is on), then CORS."""
    stack = []
    if "*" not in settings.trusted_hosts:
        hosts = list(settings.trusted_hosts)
        stack.append(Middleware(TrustedHostMiddleware, allowed_hosts=hosts, www_redirect=False))
    if settings.trusted_proxies:
        stack.append(Middleware(ForwardedClient, trusted_hosts=list(settings.trusted_proxies)))
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
        max_string_length=settings.max_string_length,
    )
    return GateRules(
        schema._schema,
        KeyRing(settings.api_keys),
        limits,
        max_tokens=settings.max_tokens,
        max_query_length=settings.max_query_length,
        max_batch=settings.max_batch_operations,
        max_json_values=settings.max_json_values,
    )
