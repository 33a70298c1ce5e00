"""The /graphql endpoint: Strawberry's ASGI view with the hub's context and local GraphiQL.

It runs the operations the door admitted as the door read them, and hands GraphQL the
documents the door parsed: a request's body is read, and each of its documents parsed,
once, at the door.
"""

from __future__ import annotations

from uuid import uuid4
from zoneinfo import ZoneInfo

from cross_web import AsyncHTTPRequestAdapter, StarletteRequestAdapter
from graphql import ExperimentalIncrementalExecutionResults
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData, GraphQLRequestProtocol
from strawberry.http.base import BaseRequestProtocol
from strawberry.types import ExecutionResult

from kotahub.access import ANONYMOUS
from kotahub.clock import utc_now
from kotahub.hub.cache_admin import HubCacheAdmin
from kotahub.hub.graphql.multipart import DeferSpecTransport
from kotahub.hub.http.client_identity import client_identity
from kotahub.hub.http.graphql_call import Admission, graphql_call
from kotahub.hub.http.graphql_request import GraphQLRequest
from kotahub.hub.http.language import preferred_lang
from kotahub.hub.live.websocket import LiveSocketHandler
from kotahub.hub.pages.examples import PLAYGROUND_EXAMPLES
from kotahub.hub.pages.playground import render_playground
from kotahub.hub.runtime import HubRuntime
from kotahub.observability.logs import CURRENT_REQUEST_ID
from kotahub.resolvers.loaders import make_loaders
from kotahub.resolvers.scope import PageLimits, RequestScope
from kotahub.schema.context import GraphQLContext
from kotahub.schema.incremental import shaped_parts


class AdmittedRequest(StarletteRequestAdapter):
    """The request as Strawberry reads it, with what the door admitted of it."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.admission = graphql_call(request.scope).admission


class HubGraphQL(GraphQL[GraphQLContext, None]):
    """Builds a fresh resolver scope (loaders, language, clock) for every request."""

    request_adapter_class = AdmittedRequest
    graphql_transport_ws_handler_class = LiveSocketHandler
    multipart_transport_class = DeferSpecTransport  # @defer and @stream answers

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        runtime: HubRuntime = request.app.state.runtime
        settings = runtime.settings
        admission = graphql_call(request.scope).admission
        principal = admission.principal if admission is not None else ANONYMOUS
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
            source_statuses=runtime.source_statuses,
            caller=client_identity(principal, address),
            live=runtime.live,
            subscriptions=runtime.live_limits,
        )
        return GraphQLContext(
            scope=scope,
            request_id=CURRENT_REQUEST_ID.get() or uuid4().hex,  # a WebSocket's own
            off_loop=admission is not None and admission.off_loop,
            documents=admission.documents() if admission is not None else {},
        )

    def should_render_graphql_ide(self, request: BaseRequestProtocol) -> bool:
        """Never for what the door admitted: a GET naming only a persisted hash runs."""
        return _admission(request) is None and super().should_render_graphql_ide(request)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The operations the door read, checked and admitted, neither read nor decoded
        again; any other request (a GET asking for nothing) as Strawberry reads it."""
        admission = _admission(request)
        if admission is None:
            return await super().parse_http_body(request)
        # An answer in parts goes as multipart/mixed, never as events (the door asked that
        # its client read it); a subscription goes as events.
        transport = self._get_stream_transport_from_headers(request.headers)
        protocol = transport.protocol if transport and not admission.in_parts() else "http"
        data = [_request_data(item.request, protocol) for item in admission.operations]
        return data if admission.batched else data[0]

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """The operation's answer; one in parts (``@defer``, ``@stream``) has each part
        shaped by the hub's error policy as it goes out."""
        result = await super().execute_single(
            request, request_adapter, sub_response, context, root_value, request_data
        )
        if isinstance(result, ExperimentalIncrementalExecutionResults):
            return shaped_parts(result, context)
        return result

    async def render_graphql_ide(self, request: Request) -> Response:
        return render_playground(str(request.url.path), PLAYGROUND_EXAMPLES)


def _admission(request: BaseRequestProtocol) -> Admission | None:
    return request.admission if isinstance(request, AdmittedRequest) else None


def _request_data(request: GraphQLRequest, protocol: GraphQLRequestProtocol) -> GraphQLRequestData:
    # Plain HTTP: an answer in parts (@defer, @stream) still streams, as multipart/mixed.
    return GraphQLRequestData(
        query=request.query,
        variables=request.variables,
        operation_name=request.operation_name,
        extensions=request.extensions,
        protocol=protocol,
    )
