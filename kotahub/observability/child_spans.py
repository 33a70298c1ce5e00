"""Tracers for instrumentation that adds detail to the hub's traces and never starts one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import (
    INVALID_SPAN,
    Link,
    Span,
    SpanKind,
    Status,
    StatusCode,
    Tracer,
    TracerProvider,
)
from opentelemetry.util.types import Attributes


class ChildSpansOnly(TracerProvider):
    """The global provider's tracers, with the hub's rules: a span only under one being
    recorded (outside, in a background task or a health check, each call would start a
    trace), and an exception marked by its type alone, as the hub's own spans do: its
    text may quote what it should not."""

    def get_tracer(
        self,
        instrumenting_module_name: str,
        instrumenting_library_version: str | None = None,
        schema_url: str | None = None,
        attributes: Attributes = None,
    ) -> Tracer:
        tracer = trace.get_tracer_provider().get_tracer(
            instrumenting_module_name, instrumenting_library_version, schema_url, attributes
        )
        return _ChildTracer(tracer)


def _under_a_recorded_span(context: Context | None) -> bool:
    return trace.get_current_span(context).is_recording()


class _ChildTracer(Tracer):
    """Asked to record an exception or to put its text in the status, it does neither."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> Span:
        if not _under_a_recorded_span(context):
            return INVALID_SPAN
        return self._tracer.start_span(
            name, context, kind, attributes, links, start_time, False, False
        )

    # The API types this with a private decorator of its own; a plain context manager does.
    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self,
        name: str,
        context: Context | None = None,
        kind: SpanKind = SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> Iterator[Span]:
        if not _under_a_recorded_span(context):
            yield INVALID_SPAN
            return
        with self._tracer.start_as_current_span(
            name, context, kind, attributes, links, start_time, False, False, end_on_exit
        ) as span:
            try:
                yield span
            except Exception as exc:
                span.set_attribute("error.type", type(exc).__qualname__)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
                raise
