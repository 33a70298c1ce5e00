"""A server span for each request to /graphql, continuing the caller's trace."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.propagate import extract
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kotahub.hub.http.graphql_call import GraphQLCall, graphql_call
from kotahub.observability.logs import CURRENT_REQUEST_ID

tracer = trace.get_tracer(__name__)


class RequestSpan:
    """Wraps the app; requests to ``path`` each get a span, named like ``POST /graphql``."""

    def __init__(self, app: ASGIApp, path: str = "/graphql") -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        call = graphql_call(scope)  # asked before the door, which fills it in
        status = 500  # unless a response starts

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        method = scope["method"]
        with tracer.start_as_current_span(
            f"{method} {self.path}",
            context=extract(_carrier(scope)),
            kind=SpanKind.SERVER,
            attributes={
                "http.request.method": method,
                "http.route": self.path,
                "url.path": scope["path"],
                "url.scheme": scope.get("scheme", "http"),
            },
            record_exception=False,  # an exception's text may quote what it should not
            set_status_on_exception=False,
        ) as span:
            try:
                await self.app(scope, receive, watched)
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__name__)
                raise
            finally:
                _finish(span, call, status)


def _carrier(scope: Scope) -> dict[str, str]:
    """The request's headers, for the propagator to read ``traceparent`` from."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _finish(span: Span, call: GraphQLCall, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    request_id = CURRENT_REQUEST_ID.get()  # RequestId, outside this wrapper, sets it
    if request_id is not None:
        span.set_attribute("kotahub.request_id", request_id)
    # Only an admitted request's: a refused one's operationName is whatever the caller sent.
    name = call.operation_name() if call.admission is not None else None
    if name is not None:
        span.set_attribute("graphql.operation.name", name)
    if status >= 500:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))
