"""The embedded default: the reference upstreams answering inside the hub's own process."""

from __future__ import annotations

import httpx

from kotahub.demo.app import TOURISM_ITEMS, create_demo_app
from kotahub.hub.settings import SourceSettings

# A host name that never resolves: requests to it are routed in process, never to the network.
EMBEDDED_ORIGIN = "http://reference-upstreams.kotahub.invalid"


def embedded_sources() -> tuple[SourceSettings, ...]:
    """The sources the hub uses when none are configured."""
    return (
        SourceSettings.model_validate(
            {"name": "tourism", "kind": "geojson", "base_url": f"{EMBEDDED_ORIGIN}{TOURISM_ITEMS}"}
        ),
    )


def embedded_mounts() -> dict[str, httpx.AsyncBaseTransport]:
    """httpx mounts that send the embedded sources' requests to the in-process demo app."""
    return {EMBEDDED_ORIGIN: httpx.ASGITransport(app=create_demo_app())}
