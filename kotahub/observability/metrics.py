"""The hub's Prometheus metrics, each app with a registry of its own."""

from __future__ import annotations

from typing import Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from kotahub.observability.live_metrics import LiveMetrics
from kotahub.observability.operation_labels import OperationLabels

CacheLevel = Literal["upstream", "response"]
CacheResult = Literal["hit", "miss", "stale", "bypass", "shared"]
Outcome = Literal["ok", "errors", "refused", "cache_hit"]
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = CONTENT_TYPE_LATEST
disable_created_metrics()  # type: ignore[no-untyped-call]  # *_created: the start time again


class HubMetrics:
    """What the hub counts; read at /metrics and by the tests."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.upstream_requests = Counter(
            "kotahub_upstream_requests_total",
            "Requests actually sent to an upstream (conditional ones included).",
            ["source"],
            registry=self.registry,
        )
        self.upstream_errors = Counter(
            "kotahub_upstream_errors_total",
            "Upstream requests that failed, by error code.",
            ["source", "code"],
            registry=self.registry,
        )
        self.upstream_latency = Histogram(
            "kotahub_upstream_request_duration_seconds",
            "Time for an upstream to answer.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.records_skipped = Counter(
            "kotahub_upstream_records_skipped_total",
            "Upstream records an adapter could not use, once per fetched page, by reason.",
            ["source", "reason"],
            registry=self.registry,
        )
        self.upstream_retries = Counter(
            "kotahub_upstream_retries_total",
            "Idempotent upstream requests sent again after a failure or a 429/502/503/504.",
            ["source"],
            registry=self.registry,
        )
        self.circuit_state = Gauge(
            "kotahub_upstream_circuit_state",
            "Each source's circuit breaker in this process: 0 closed, 1 half-open, 2 open.",
            ["source"],
            registry=self.registry,
        )
        self.revalidations = Counter(
            "kotahub_upstream_revalidations_total",
            "Conditional refreshes, by whether the upstream's answer had changed.",
            ["source", "result"],
            registry=self.registry,
        )
        self.cache_requests = Counter(
            "kotahub_cache_requests_total",
            "Cache lookups by level (upstream answers, whole responses) and result.",
            ["level", "result"],
            registry=self.registry,
        )
        self.request_latency = Histogram(
            "kotahub_request_duration_seconds",
            "Time to answer a GraphQL request, by whole-response cache result.",
            ["cache"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

        self.graphql_requests = Counter(
            "kotahub_graphql_requests_total",
            "GraphQL requests by operation name and outcome (ok, errors, refused, cache_hit).",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "kotahub_graphql_request_duration_seconds",
            "Time to answer a GraphQL request, by operation name.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "kotahub_outbox_depth",
            "Complaints queued and not yet delivered, read from Redis (NaN while it is away).",
            registry=self.registry,
        )
        self.delivery_failures = Counter(
            "kotahub_delivery_failures_total",
            "Complaint delivery attempts that failed (retried later) or that the source refused.",
            ["source"],
            registry=self.registry,
        )
        self.loop_lag = Gauge(
            "kotahub_event_loop_lag_seconds",
            "The longest the event loop was held at a stretch (a timer woke this late) over "
            "the last one to two minutes: as clients feel it (wall), and the part of it the "
            "process spent working (cpu), which a busy machine does not stretch.",
            ["clock"],
            registry=self.registry,
        )
        self.operations = OperationLabels()
        self.live = LiveMetrics(self.registry)

    def cache(self, level: CacheLevel, result: CacheResult) -> None:
        self.cache_requests.labels(level=level, result=result).inc()

    def graphql_request(self, operation: str, outcome: Outcome, seconds: float) -> None:
        """Count one request; ``operation`` is already a bounded label."""
        self.graphql_requests.labels(operation=operation, outcome=outcome).inc()
        self.graphql_latency.labels(operation=operation).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
