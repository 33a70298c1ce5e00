"""``/healthz``: the process is up; ``/readyz``: whether Redis and each source answer."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from kotahub.hub.runtime import HubRuntime
from kotahub.resolvers.readiness import source_problems

PROBE_CAP_SECONDS = 5.0


async def liveness(request: Request) -> JSONResponse:
    """Always 200 while the process answers at all."""
    return JSONResponse({"status": "ok"})


async def readiness(request: Request) -> JSONResponse:
    """200 while the hub can serve (``degraded`` if Redis or some source fails), else 503.

    Redis being down does not make the hub unready: it serves from upstreams and memory.
    """
    runtime: HubRuntime = request.app.state.runtime
    body = await _readiness_report(runtime)
    return JSONResponse(body, status_code=503 if body["status"] == "unavailable" else 200)


async def _readiness_report(runtime: HubRuntime) -> dict[str, Any]:
    # Load balancers poll often; upstreams are probed at most once per reuse window.
    memo = runtime.readiness_memo
    if memo is not None and time.monotonic() - memo[0] < runtime.settings.readiness_cache_seconds:
        return memo[1]
    redis_problem, problems = await asyncio.gather(
        runtime.store.check_redis(), source_problems(runtime.catalog, PROBE_CAP_SECONDS)
    )
    up = [name for name, problem in problems.items() if problem is None]
    status = "unavailable" if not up else "ready"
    if up and (redis_problem is not None or len(up) < len(problems)):
        status = "degraded"
    redis = {"ok": True} if redis_problem is None else {"ok": False, "error": "does not answer"}
    sources = {name: _check(problem) for name, problem in problems.items()}
    body = {"status": status, "redis": redis, "sources": sources}
    runtime.readiness_memo = (time.monotonic(), body)
    return body


def _check(problem: str | None) -> dict[str, object]:
    return {"ok": True} if problem is None else {"ok": False, "error": problem}
