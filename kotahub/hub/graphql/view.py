"""The /graphql endpoint: Strawberry's ASGI view with the hub's context and local GraphiQL."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from kotahub.access import ANONYMOUS
from kotahub.clock import utc_now
from kotahub.hub.cache_admin import HubCacheAdmin
from kotahub.hub.http.client_identity import client_identity
from kotahub.hub.http.language import preferred_lang
from kotahub.hub.pages.examples import PLAYGROUND_EXAMPLES
from kotahub.hub.pages.playground import render_playground
from kotahub.hub.runtime import HubRuntime
from kotahub.resolvers.loaders import make_loaders
from kotahub.resolvers.scope import PageLimits, RequestScope
from kotahub.schema.context import GraphQLContext


class HubGraphQL(GraphQL[GraphQLContext, None]):
    """Builds a fresh resolver scope (loaders, language, clock) for every request."""

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        runtime: HubRuntime = request.app.state.runtime
        settings = runtime.settings
        admitted = getattr(request.state, "admitted", None)
        principal = admitted.principal if admitted is not None else ANONYMOUS
        address = request.client.host if request.client else "unknown"
        scope = RequestScope(
            catalog=runtime.catalog,
            loaders=make_loaders(runtime.catalog),
            lang=preferred_lang(request.headers.get("accept-language"), settings.default_lang),
            zone=ZoneInfo(settings.city_timezone),
            now=utc_now(runtime.clock),
            page_limits=PageLimits(settings.default_page_size, settings.max_page_size),
            emergency_contacts=runtime.emergency_contacts,
            complaint_rules=runtime.complaint_rules,
            outbox=runtime.outbox,
            indexes=runtime.indexes,
            cache_admin=HubCacheAdmin(
                settings,
                runtime.store,
                runtime.generations,
                frozenset(adapter.source for adapter in runtime.catalog.adapters),
                principal,
            ),
            principal=principal,
            source_health=runtime.health,
            caller=client_identity(principal, address),
        )
        request_id = getattr(request.state, "request_id", "")
        off_loop = admitted is not None and admitted.off_loop
        return GraphQLContext(scope=scope, request_id=request_id, off_loop=off_loop)

    async def render_graphql_ide(self, request: Request) -> Response:
        return render_playground(str(request.url.path), PLAYGROUND_EXAMPLES)
