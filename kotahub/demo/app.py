"""All reference upstreams in one ASGI app, each under its own path prefix."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from kotahub.demo.tourism import create_tourism_app

TOURISM_PREFIX = "/tourism"
TOURISM_ITEMS = f"{TOURISM_PREFIX}/collections/attractions/items"


def create_demo_app(latency_ms: float = 0.0) -> Starlette:
    """The reference upstreams with Balikpapan sample data; ``latency_ms`` slows every answer."""
    tourism = create_tourism_app(latency_ms=latency_ms)
    app = Starlette(
        routes=[Route("/", _index), Mount(TOURISM_PREFIX, app=tourism)],
    )
    app.state.tourism = tourism
    return app


async def _index(request: Request) -> JSONResponse:
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {
            "title": "KotaHub reference upstreams (Balikpapan sample data)",
            "upstreams": {
                "tourism": {
                    "protocol": "GeoJSON / OGC API - Features",
                    "items": f"{base}{TOURISM_ITEMS}",
                }
            },
        }
    )
