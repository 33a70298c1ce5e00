"""A client span for each upstream request, its trace context sent along in the headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from opentelemetry import trace
from opentelemetry.propagate import inject
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from kotahub.upstream.urls import public_url

tracer = trace.get_tracer(__name__)


@contextmanager
def upstream_span(source: str, request: httpx.Request) -> Iterator[Span]:
    """The span of ``request`` to ``source``, current while it runs; ``traceparent`` is
    added to the request's headers, so the upstream continues the trace."""
    with tracer.start_as_current_span(
        f"{request.method} {source}",
        kind=SpanKind.CLIENT,
        attributes={"kotahub.source": source, "http.request.method": request.method},
        record_exception=False,  # an exception's text may quote what it should not
        set_status_on_exception=False,
    ) as span:
        if span.is_recording():  # with tracing off, the URL is not even looked at
            url = request.url
            span.set_attributes(
                {
                    "server.address": url.host,
                    "server.port": url.port or (443 if url.scheme == "https" else 80),
                    "url.full": public_url(str(url)),  # secret-looking query values masked
                }
            )
        inject(request.headers)
        yield span


def answered(span: Span, status: int) -> None:
    span.set_attribute("http.response.status_code", status)
    if status >= 400:
        span.set_attribute("error.type", str(status))
        span.set_status(Status(StatusCode.ERROR, f"HTTP {status}"))


def failed(span: Span, code: str) -> None:
    """No answer, or one not read: ``code`` is the SourceError's (``UPSTREAM_TIMEOUT`` …)."""
    span.set_attribute("error.type", code)
    span.set_status(Status(StatusCode.ERROR, code))
