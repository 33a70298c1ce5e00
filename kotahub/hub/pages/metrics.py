"""``/metrics``: a runtime's registry in Prometheus text, with the outbox's depth read now."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kotahub.hub.runtime import HubRuntime
from kotahub.observability.metrics import CONTENT_TYPE


async def metrics_page(request: Request) -> Response:
    """Prometheus text format: requests, upstream requests, cache results, latencies and
    the outbox's depth, read from Redis now (NaN while Redis is away). Served by the hub and
    by the standalone worker, each from the runtime in its app's state."""
    runtime: HubRuntime = request.app.state.runtime
    depth = await runtime.store.on_redis(lambda _: runtime.outbox.depth())
    runtime.metrics.outbox_depth.set(float("nan") if depth is None else depth)
    return Response(runtime.metrics.exposition(), media_type=CONTENT_TYPE)
