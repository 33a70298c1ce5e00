"""``/healthz``: the process is up; ``/readyz``: whether Redis and each source answer."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from kotahub.adapters.contract import Adapter
from kotahub.hub.errors import SourceError
from kotahub.hub.runtime import HubRuntime

PROBE_SECONDS = 5.0


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """200 while the hub can serve (``degraded`` if Redis or some source fails), else 503.

    Redis being down does not make the hub unready: it serves from upstreams and memory.
    """
    runtime: HubRuntime = request.app.state.runtime
    redis_problem, *source_problems = await asyncio.gather(
        runtime.store.check_redis(), *(_probe(a) for a in runtime.catalog.adapters)
    )
    sources = {
        adapter.source: _check(problem)
        for adapter, problem in zip(runtime.catalog.adapters, source_problems, strict=True)
    }
    any_source_up = any(problem is None for problem in source_problems)
    status = (
        "ready"
        if redis_problem is None and all(p is None for p in source_problems)
        else ("degraded" if any_source_up else "unavailable")
    )
    body = {"status": status, "redis": _check(redis_problem), "sources": sources}
    return JSONResponse(body, status_code=200 if any_source_up else 503)


async def _probe(adapter: Adapter) -> str | None:
    try:
        async with asyncio.timeout(PROBE_SECONDS):
            await adapter.probe()
    except SourceError as exc:
        return exc.detail
    except TimeoutError:
        return f"no answer within {PROBE_SECONDS:g}s"
    return None


def _check(problem: str | None) -> dict[str, object]:
    return {"ok": True} if problem is None else {"ok": False, "error": problem}
