"""The embedded default: the reference upstreams answering inside the hub's own process."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.app import COMPLAINTS_OPEN311, DIMENSIONS_CKAN, HEALTH_FHIR, TOURISM_ITEMS
from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.hub.settings import Settings
from kotahub.upstream.source_settings import SourceSettings

# The hub also serves the reference upstreams under this path, so that browsers can open
# what they link to (photos); the hub's own requests to them never leave the process.
EMBEDDED_PREFIX = "/reference"


def embedded_origin(settings: Settings) -> str:
    """The hub's own address as browsers on this machine reach it."""
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{settings.port}"


def embedded_sources(settings: Settings) -> tuple[SourceSettings, ...]:
    """The sources the hub uses when none are configured."""
    base = f"{embedded_origin(settings)}{EMBEDDED_PREFIX}"
    tourism = {"name": "tourism", "kind": "geojson", "base_url": f"{base}{TOURISM_ITEMS}"}
    health = {"name": "health", "kind": "fhir-r4", "base_url": f"{base}{HEALTH_FHIR}"}
    complaints = {
        "name": "complaints",
        "kind": "open311",
        "base_url": f"{base}{COMPLAINTS_OPEN311}",
        "api_key": DEMO_API_KEY,
    }
    dimensions = {"name": "dimensions", "kind": "ckan", "base_url": f"{base}{DIMENSIONS_CKAN}"}
    sources = (tourism, health, complaints, dimensions)
    return tuple(SourceSettings.model_validate(s) for s in sources)


def embedded_mounts(settings: Settings, demo: Starlette) -> dict[str, httpx.AsyncBaseTransport]:
    """httpx mounts that hand the embedded sources' requests to the demo app in process."""
    routed = Starlette(routes=[Mount(EMBEDDED_PREFIX, app=demo)])
    return {embedded_origin(settings): httpx.ASGITransport(app=routed)}
