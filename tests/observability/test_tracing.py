"""Traces: a span for the request, each resolver batch, upstream call and Redis command, one
trace."""

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
from redis.exceptions import ConnectionError as RedisConnectionError
from starlette.types import ASGIApp, Receive, Scope, Send

from kotahub.access import ANONYMOUS
from kotahub.hub.http.graphql_call import Admission, Admitted, graphql_call
from kotahub.hub.http.graphql_request import GraphQLRequest, Operations
from kotahub.hub.http.request_span import RequestSpan
from kotahub.hub.settings import Settings
from kotahub.observability.tracing import exporter_names, tracing_wanted
from kotahub.store.redis_connection import close_redis, connect_redis, parse_redis_url
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


def upstream_calls(found: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    """The client spans of calls to sources (the others are Redis commands)."""
    return [
        s for s in found if s.kind is SpanKind.CLIENT and "kotahub.source" in (s.attributes or {})
    ]


def redis_commands(found: tuple[ReadableSpan, ...]) -> list[ReadableSpan]:
    return [s for s in found if (s.attributes or {}).get("db.system") == "redis"]


def exported(found: tuple[ReadableSpan, ...]) -> str:
    """The spans as an exporter sends them, every attribute, event and status included."""
    return "\n".join(span.to_json() for span in found)


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

    calls = upstream_calls(found)
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


async def test_the_request_span_carries_the_request_id(
    hub: HubFactory, hub_settings: Callable[..., Settings], spans: InMemorySpanExporter
) -> None:
    request_id = "trace-me-0123456789"
    await traced_query(hub, hub_settings(), **{"x-request-id": request_id})
    [request] = named(spans.get_finished_spans(), "POST /graphql")
    assert request.attributes is not None
    assert request.attributes["kotahub.request_id"] == request_id


async def test_a_request_without_a_caller_trace_starts_one(
    hub: HubFactory, hub_settings: Callable[..., Settings], spans: InMemorySpanExporter
) -> None:
    await traced_query(hub, hub_settings(response_cache=False))
    found = spans.get_finished_spans()
    [request] = named(found, "POST /graphql")
    assert request.parent is None and request.context is not None
    assert all(s.context and s.context.trace_id == request.context.trace_id for s in found)


def door(admits: bool) -> ASGIApp:
    """Stands in for the door and what is behind it: it read one request, chose the operation
    named Chosen, and admitted and answered it, or refused it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = GraphQLRequest("query InTheText { dimensions { code } }")
        call = graphql_call(scope)
        call.read = Operations((request,))
        call.chosen.append("Chosen")
        if admits:
            call.admission = Admission(ANONYMOUS, (Admitted(request, None),), batched=False)
        status = 200 if admits else 400
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    return app


async def spans_of(app: ASGIApp, spans: InMemorySpanExporter) -> list[ReadableSpan]:
    transport = httpx.ASGITransport(app=RequestSpan(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        await client.post("/graphql", content=b"{}")
    return named(spans.get_finished_spans(), "POST /graphql")


async def test_the_span_names_what_the_door_chose_and_parses_nothing(
    spans: InMemorySpanExporter,
) -> None:
    [request] = await spans_of(door(admits=True), spans)
    assert request.attributes is not None
    assert request.attributes["graphql.operation.name"] == "Chosen"


async def test_a_refused_request_names_no_operation(spans: InMemorySpanExporter) -> None:
    [request] = await spans_of(door(admits=False), spans)
    assert request.attributes is not None
    assert "graphql.operation.name" not in request.attributes
    assert request.attributes["http.response.status_code"] == 400


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
    assert "s3cret" not in exported(spans.get_finished_spans())


async def test_redis_commands_are_spans_of_the_request_naming_no_keys_or_values(
    hub: HubFactory, hub_settings: Callable[..., Settings], spans: InMemorySpanExporter
) -> None:
    settings = hub_settings()
    await traced_query(hub, settings)
    await traced_query(hub, settings)  # answered from the response cache, in Redis
    found = spans.get_finished_spans()
    commands = redis_commands(found)
    assert commands
    assert all(ancestors(c, found)[-1] == "POST /graphql" for c in commands)
    statements = [str((c.attributes or {})["db.statement"]) for c in commands]
    assert all("?" in statement for statement in statements)
    # Every key the hub writes starts with its cache prefix: none is shown.
    assert settings.cache_prefix not in exported(found)


async def test_redis_commands_outside_a_trace_start_none(
    redis_url: str, spans: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracer = trace.get_tracer(__name__)
    redis = connect_redis(parse_redis_url(redis_url), 2.0, 4)
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "httpx, redis")
    untraced = connect_redis(parse_redis_url(redis_url), 2.0, 4)
    try:
        await redis.ping()  # as the delivery worker's polling or a readiness check does
        with tracer.start_as_current_span("request"):
            await redis.set("kotahub-test-key", "kotahub-test-value", ex=10)
            await untraced.ping()
    finally:
        await close_redis(redis)
        await close_redis(untraced)
    found = spans.get_finished_spans()
    [command] = redis_commands(found)
    assert command.name == "SET" and ancestors(command, found) == ["request"]
    assert (command.attributes or {})["db.statement"] == "SET ? ? ? ?"
    assert "kotahub-test" not in exported(found)


async def test_a_failed_redis_command_is_marked_by_its_type_alone(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    missing = tmp_path / "no-redis.sock"
    redis = connect_redis(parse_redis_url(f"unix://{missing}?password=pw-s3cret"), 1.0, 4)
    try:
        tracer = trace.get_tracer(__name__)
        with tracer.start_as_current_span("request"), pytest.raises(RedisConnectionError):
            await redis.get("kotahub-test-key")
    finally:
        await close_redis(redis)
    found = spans.get_finished_spans()
    [command] = redis_commands(found)
    assert command.status.status_code is StatusCode.ERROR
    assert command.status.description == "ConnectionError" and not command.events
    assert "pw-s3cret" not in exported(found) and "kotahub-test" not in exported(found)


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
