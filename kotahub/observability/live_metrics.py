"""What live updates count: subscriptions and connections open, events, the watcher's calls."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class LiveMetrics:
    """Registered beside the hub's other metrics, on the same registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.subscriptions = Gauge(
            "kotahub_subscriptions_active",
            "Subscriptions running in this process, by root field.",
            ["field"],
            registry=registry,
        )
        self.connections = Gauge(
            "kotahub_live_connections",
            "WebSocket connections and SSE streams open in this process, by transport.",
            ["transport"],
            registry=registry,
        )
        self.refused = Counter(
            "kotahub_live_refused_total",
            "Connections and subscriptions refused for a limit, by which limit.",
            ["limit"],
            registry=registry,
        )
        self.published = Counter(
            "kotahub_live_events_published_total",
            "Events this process published for every replica, by kind.",
            ["kind"],
            registry=registry,
        )
        self.delivered = Counter(
            "kotahub_live_events_delivered_total",
            "Events this process sent to subscribers, by root field.",
            ["field"],
            registry=registry,
        )
        self.watch_calls = Counter(
            "kotahub_live_watch_calls_total",
            "Rounds in which the watcher asked a source about the complaints followed.",
            ["source"],
            registry=registry,
        )
        self.watch_rounds = Counter(
            "kotahub_live_watch_rounds_total",
            "Watcher rounds this process led (one replica leads each interval).",
            registry=registry,
        )
