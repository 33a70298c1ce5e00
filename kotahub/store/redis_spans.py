"""Redis commands as client spans under the hub's own, when traces are recorded."""

from __future__ import annotations

import os

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster

from kotahub.observability.child_spans import ChildSpansOnly
from kotahub.observability.tracing import instrumentation_disabled, traces_recorded


def with_spans(client: Redis | RedisCluster) -> None:
    """Each command of this client (not of every client in the process) becomes a span,
    named like ``GET``, under the span current when it runs; its ``db.statement`` is the
    command without keys or values (``GET ?``). Only where a span is recorded: the delivery
    worker's polling and the readiness checks start no traces of their own.

    Nothing is added when no traces are recorded (it would cost on every command), or when
    ``OTEL_PYTHON_DISABLED_INSTRUMENTATIONS`` names ``redis``.
    """
    if not traces_recorded() or instrumentation_disabled("redis", os.environ):
        return
    # Imported here: without traces, the instrumentation is never loaded.
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor.instrument_client(client, tracer_provider=ChildSpansOnly())
