"""How much live work one process takes: connections open, subscriptions per client.

Counted in process: each replica bounds what it holds, whichever replica a client reaches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from opentelemetry import trace

from kotahub.errors import TooManySubscriptions
from kotahub.observability.live_metrics import LiveMetrics

tracer = trace.get_tracer(__name__)
Transport = Literal["websocket", "sse"]


class LiveLimits:
    """The process's live connections and subscriptions, within their limits."""

    def __init__(
        self,
        metrics: LiveMetrics,
        *,
        max_connections: int,
        max_connections_per_client: int,
        max_per_client: int,
    ) -> None:
        self._metrics = metrics
        self.max_connections = max_connections
        self.max_connections_per_client = max_connections_per_client
        self.max_per_client = max_per_client
        self.connections = 0
        self._open: Counter[str] = Counter()  # connections by address
        self._held: Counter[str] = Counter()  # subscriptions by caller

    def connect(self, transport: Transport, address: str) -> str | None:
        """Counts one more connection from ``address`` as open; or, when a limit is full,
        counts nothing and says which limit."""
        if self.connections >= self.max_connections:
            return self._refused("connections")
        if self._open[address] >= self.max_connections_per_client:
            return self._refused("connections_per_client")
        self.connections += 1
        self._open[address] += 1
        self._metrics.connections.labels(transport=transport).inc()
        return None

    def disconnect(self, transport: Transport, address: str) -> None:
        self.connections -= 1
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]
        self._metrics.connections.labels(transport=transport).dec()

    @staticmethod
    def refusal(limit: str) -> str:
        """What a client refused for ``limit`` (as ``connect`` named it) is told."""
        holder = "this address holds" if limit == "connections_per_client" else "this hub holds"
        return f"{holder} as many live connections as it may; try again later"

    def _refused(self, limit: str) -> str:
        self._metrics.refused.labels(limit=limit).inc()
        return limit

    @asynccontextmanager
    async def opened(self, field: str, caller: str) -> AsyncIterator[None]:
        """One subscription of ``caller`` for as long as the block lasts."""
        if self._held[caller] >= self.max_per_client:
            self._metrics.refused.labels(limit="per_client").inc()
            raise TooManySubscriptions(
                f"this client already holds {self._held[caller]} subscriptions, the most "
                f"one client may hold here; end one (send complete) before starting another"
            )
        with tracer.start_as_current_span(
            f"subscribe {field}", attributes={"graphql.field": field}
        ):
            self._held[caller] += 1
        gauge = self._metrics.subscriptions.labels(field=field)
        gauge.inc()
        try:
            yield
        finally:
            gauge.dec()
            self._held[caller] -= 1
            if self._held[caller] <= 0:
                del self._held[caller]

    def delivered(self, field: str) -> None:
        self._metrics.delivered.labels(field=field).inc()
