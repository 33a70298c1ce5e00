"""OpenTelemetry tracing, switched on by the standard ``OTEL_*`` variables alone."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from opentelemetry import trace

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

log = logging.getLogger("kotahub.tracing")

SERVICE_NAME = "kotahub"
EXPORTERS = ("otlp", "console", "none")
_SWITCHES = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def tracing_wanted(environ: Mapping[str, str]) -> bool:
    """Whether these variables ask for traces: an exporter or an OTLP endpoint named, and
    the SDK not disabled."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    return any(environ.get(name, "").strip() for name in _SWITCHES)


def exporter_names(environ: Mapping[str, str]) -> list[str]:
    """``OTEL_TRACES_EXPORTER`` as a list (``otlp`` when unset); ValueError naming the
    known exporters for one that is not."""
    given = environ.get("OTEL_TRACES_EXPORTER", "").strip() or "otlp"
    names = [name.strip().lower() for name in given.split(",") if name.strip()]
    unknown = [name for name in names if name not in EXPORTERS]
    if unknown:
        raise ValueError(
            f"OTEL_TRACES_EXPORTER={given!r} names {', '.join(unknown)}; "
            f"expected a comma-separated list of {', '.join(EXPORTERS)}"
        )
    return [name for name in names if name != "none"]


def traces_recorded() -> bool:
    """Whether a provider that records spans is installed (by configure_tracing, or a test):
    instrumentation that costs on every call is added only then."""
    provider = trace.get_tracer_provider()
    return not isinstance(provider, (trace.ProxyTracerProvider, trace.NoOpTracerProvider))


def instrumentation_disabled(name: str, environ: Mapping[str, str]) -> bool:
    """Whether ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` (comma-separated) names ``name``."""
    names = environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "").split(",")
    return name in {entry.strip().lower() for entry in names}


def configure_tracing() -> bool:
    """Installs the SDK's tracer provider when the environment asks for traces; True when
    traces are recorded. Otherwise nothing is installed and the API's no-op tracer stays.

    The global provider can be set once per process: one already installed (by an earlier
    hub in this process, or by a test) is kept.
    """
    if not tracing_wanted(os.environ):
        return False
    # Imported here: without tracing, the SDK and its exporters are never loaded.
    from opentelemetry.sdk.trace import TracerProvider

    if isinstance(trace.get_tracer_provider(), TracerProvider):
        return True
    trace.set_tracer_provider(tracer_provider())
    log.info("tracing on: exporting to %s", ", ".join(exporter_names(os.environ)) or "nowhere")
    return True


def tracer_provider() -> TracerProvider:
    """A provider for ``service.name`` (``OTEL_SERVICE_NAME``, else ``kotahub``) whose
    spans go in batches to the exporters ``OTEL_TRACES_EXPORTER`` names."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    exporters = [_exporter(name) for name in exporter_names(os.environ)]
    # Resource.create reads OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME; only when
    # neither names the service is it called kotahub.
    resource = Resource.create()
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    provider = TracerProvider(resource=resource)
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def _exporter(name: str) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter()
    # OTLP over HTTP/protobuf; the exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers,
    # timeout, certificates) itself.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()
