"""Traces: a span for the request, each resolver batch and each upstream call, one trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.types import Receive, Scope, Send

from kotahub.access import ANONYMOUS
from kotahub.hub.graphql.gate import Admitted
from kotahub.hub.http.graphql_request import GraphQLRequest
from kotahub.hub.http.request_span import RequestSpan
from kotahub.hub.settings import Settings
from kotahub.observability.tracing import exporter_names, tracing_wanted
from tests.conftest import HubFactory
from tests.support.controlled_upstream import Behaviour

ROOT = Path(__file__).resolve().parents[2]
QUERY = "query Spots { touristSpots(first: 3) { totalCount } }"
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


@pytest.fixture(scope="session")
def session_exporter() -> InMemorySpanExporter:
    """Spans recorded in memory; the global provider can be set only once per process."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
def spans(session_exporter: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    session_exporter.clear()
    yield session_exporter
    session_exporter.clear()


def named(found: tuple[ReadableSpan, ...], prefix: str) -> list[ReadableSpan]:
    return [span for span in found if span.name.startswith(prefix)]


def ancestors(span: ReadableSpan, found: tuple[ReadableSpan, ...]) -> list[str]:
    """The names of the span's parents, nearest first, as far as they were recorded here."""
    by_id = {s.context.span_id: s for s in found if s.context is not None}
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        names.append(by_id[parent.span_id].name)
        parent = by_id[parent.span_id].parent
    return names


def size_of(batch: ReadableSpan) -> int:
    size = (batch.attributes or {})["kotahub.batch.size"]
    assert isinstance(size, int)
    return size


async def traced_query(hub: HubFactory, settings: Settings, **headers: str) -> Any:
    async with hub(settings) as client:
        response = await client.post("/graphql", json={"query": QUERY}, headers=headers)
    assert response.status_code == 200
    return response.json()


async def test_a_query_is_one_trace_from_the_caller_to_the_upstreams(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    uji_source: dict[str, Any],
    behaviour: Behaviour,
    spans: InMemorySpanExporter,
) -> None:
    caller = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
    body = await traced_query(hub, with_tourism(uji_source), traceparent=caller)
    assert "errors" not in body
    found = spans.get_finished_spans()
    assert {span.context.trace_id for span in found if span.context} == {int(CALLER_TRACE, 16)}

    [request] = named(found, "POST /graphql")
    assert request.kind is SpanKind.SERVER
    assert request.parent is not None and request.parent.span_id == int(CALLER_SPAN, 16)
    assert request.attributes is not None
    assert request.attributes["graphql.operation.name"] == "Spots"
    assert request.attributes["http.response.status_code"] == 200

    batches = named(found, "load spots")
    assert batches and all(ancestors(b, found) == ["POST /graphql"] for b in batches)
    assert sum(size_of(b) for b in batches) == 2

    calls = [span for span in found if span.kind is SpanKind.CLIENT]
    by_source = {(span.attributes or {})["kotahub.source"]: span for span in calls}
    assert set(by_source) == {"tourism", "uji"}
    for span in calls:
        assert ancestors(span, found)[-2:] == ["load spots", "POST /graphql"]
        assert span.attributes is not None
        assert span.attributes["http.request.method"] == "GET"
        assert span.attributes["server.address"] == "127.0.0.1"
        assert span.attributes["http.response.status_code"] == 200
        assert span.status.status_code is StatusCode.UNSET

    # The upstream continues the trace, from the span of the call made to it.
    uji = by_source["uji"].context
    assert uji is not None
    assert behaviour.traceparents == [f"00-{CALLER_TRACE}-{uji.span_id:016x}-01"]


async def test_a_request_without_a_caller_trace_starts_one(
    hub: HubFactory, hub_settings: Callable[..., Settings], spans: InMemorySpanExporter
) -> None:
    await traced_query(hub, hub_settings(response_cache=False))
    found = spans.get_finished_spans()
    [request] = named(found, "POST /graphql")
    assert request.parent is None and request.context is not None
    assert all(s.context and s.context.trace_id == request.context.trace_id for s in found)


async def door_that_admitted(scope: Scope, receive: Receive, send: Send) -> None:
    """Stands in for the door and what is behind it: it admitted one request, having chosen
    the operation named Chosen, and answered it."""
    request = GraphQLRequest("query InTheText { dimensions { code } }")
    scope["state"]["admitted"] = Admitted(ANONYMOUS, (request,), batched=False)
    scope["state"]["operation_names"] = ["Chosen"]
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_the_span_names_what_the_door_chose_and_parses_nothing(
    spans: InMemorySpanExporter,
) -> None:
    transport = httpx.ASGITransport(app=RequestSpan(door_that_admitted))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        await client.post("/graphql", content=b"{}")
    [request] = named(spans.get_finished_spans(), "POST /graphql")
    assert request.attributes is not None
    assert request.attributes["graphql.operation.name"] == "Chosen"


async def test_upstream_spans_show_no_query_secrets(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    uji_source: dict[str, Any],
    spans: InMemorySpanExporter,
) -> None:
    uji = {**uji_source, "base_url": f"{uji_source['base_url']}?api_key=s3cret&lang=id"}
    await traced_query(hub, with_tourism(uji))
    [call] = [s for s in spans.get_finished_spans() if s.name == "GET uji"]
    assert call.attributes is not None
    assert "/items?api_key=***&lang=id" in str(call.attributes["url.full"])
    assert "s3cret" not in repr(spans.get_finished_spans())


async def test_failures_mark_their_spans_with_the_error_code(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    uji_source: dict[str, Any],
    behaviour: Behaviour,
    spans: InMemorySpanExporter,
) -> None:
    behaviour.failing = True
    behaviour.failure_status = 503
    await traced_query(hub, with_tourism(uji_source))
    found = spans.get_finished_spans()
    calls = [s for s in found if s.name == "GET uji"]
    assert len(calls) == len(behaviour.seen) >= 1  # the first attempt and each retry
    for call in calls:
        assert call.status.status_code is StatusCode.ERROR
        assert (call.attributes or {})["error.type"] == "503"
    [batch] = named(found, "load spots")
    assert batch.status.status_code is StatusCode.ERROR
    assert batch.status.description == "UPSTREAM_HTTP_ERROR"
    [request] = named(found, "POST /graphql")
    assert request.status.status_code is StatusCode.UNSET  # the rest of the answer was served


def test_only_the_standard_variables_switch_tracing_on() -> None:
    assert not tracing_wanted({})
    assert not tracing_wanted({"OTEL_SERVICE_NAME": "kotahub"})
    assert tracing_wanted({"OTEL_TRACES_EXPORTER": "console"})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
    assert tracing_wanted({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"})
    disabled = {"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}
    assert not tracing_wanted(disabled)
    assert exporter_names({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) == ["otlp"]
    assert exporter_names({"OTEL_TRACES_EXPORTER": "console, otlp"}) == ["console", "otlp"]
    assert exporter_names({"OTEL_TRACES_EXPORTER": "none"}) == []
    with pytest.raises(ValueError, match=r"'zipkin'.*otlp, console, none"):
        exporter_names({"OTEL_TRACES_EXPORTER": "zipkin"})


CONFIGURE = """
import json
from opentelemetry import trace
from kotahub.observability.tracing import configure_tracing
on = configure_tracing()
provider = trace.get_tracer_provider()
resource = getattr(provider, "resource", None)
print(json.dumps({
    "on": on,
    "provider": type(provider).__name__,
    "service": resource.attributes.get("service.name") if resource else None,
}))
"""


def configured(**variables: str) -> dict[str, Any]:
    """What configure_tracing does in a fresh process with only these variables."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), **variables}
    done = subprocess.run(
        [sys.executable, "-c", CONFIGURE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_without_otel_variables_nothing_is_configured() -> None:
    assert configured() == {"on": False, "provider": "ProxyTracerProvider", "service": None}
    disabled = configured(OTEL_SDK_DISABLED="true", OTEL_TRACES_EXPORTER="console")
    assert disabled["on"] is False and disabled["provider"] == "ProxyTracerProvider"


def test_an_exporter_named_configures_the_sdk_for_the_service() -> None:
    expected = {"on": True, "provider": "TracerProvider", "service": "kotahub"}
    assert configured(OTEL_TRACES_EXPORTER="console") == expected
    named_service = configured(OTEL_TRACES_EXPORTER="none", OTEL_SERVICE_NAME="kotahub-bpp")
    assert named_service["service"] == "kotahub-bpp"
