"""All reference upstreams in one ASGI app, each under its own path prefix."""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from kotahub.demo.ckan import create_ckan_app
from kotahub.demo.fhir import create_fhir_app
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.demo.responses import app_base
from kotahub.demo.tourism import create_tourism_app

TOURISM_PREFIX = "/tourism"
TOURISM_ITEMS = f"{TOURISM_PREFIX}/collections/attractions/items"
HEALTH_FHIR = "/health/fhir"
COMPLAINTS_OPEN311 = "/complaints/open311/v2"
DIMENSIONS_CKAN = "/dimensions/ckan"


def create_demo_app(
    latency_ms: float = 0.0, public_url: str | None = None, data_dir: Path | None = None
) -> Starlette:
    """The reference upstreams with Balikpapan sample data.

    ``latency_ms`` slows every answer; ``public_url`` is where browsers reach this server
    when that differs from the address the hub uses (photo links point there);
    ``data_dir`` keeps the complaints database across restarts (a temporary one if None).
    """
    photos = f"{public_url.rstrip('/')}{TOURISM_PREFIX}/" if public_url else None
    tourism = create_tourism_app(latency_ms=latency_ms, photo_base_url=photos)
    health = create_fhir_app(latency_ms=latency_ms)
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "open311.sqlite3" if data_dir else None
    complaints = create_open311_app(latency_ms=latency_ms, database=database)
    dimensions = create_ckan_app(latency_ms=latency_ms)
    routes = [
        Route("/", _index),
        Mount(TOURISM_PREFIX, app=tourism),
        Mount(HEALTH_FHIR, app=health),
        Mount(COMPLAINTS_OPEN311, app=complaints),
        Mount(DIMENSIONS_CKAN, app=dimensions),
    ]
    app = Starlette(routes=routes)
    app.state.tourism = tourism
    app.state.health = health
    app.state.complaints = complaints
    app.state.dimensions = dimensions
    return app


async def _index(request: Request) -> JSONResponse:
    base = app_base(request).rstrip("/")
    return JSONResponse(
        {
            "title": "KotaHub reference upstreams (Balikpapan sample data)",
            "upstreams": {
                "tourism": {
                    "protocol": "GeoJSON, paged as OGC API - Features",
                    "items": f"{base}{TOURISM_ITEMS}",
                },
                "health": {"protocol": "HL7 FHIR R4", "base": f"{base}{HEALTH_FHIR}"},
                "complaints": {
                    "protocol": "Open311 GeoReport v2",
                    "base": f"{base}{COMPLAINTS_OPEN311}",
                    "api_key": DEMO_API_KEY,
                },
                "dimensions": {"protocol": "CKAN Action API", "base": f"{base}{DIMENSIONS_CKAN}"},
            },
        }
    )
