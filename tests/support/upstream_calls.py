"""Counting the requests one GraphQL operation makes of each reference upstream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer

UPSTREAMS = ("tourism", "health", "complaints", "dimensions")
UpstreamCount = Callable[[], dict[str, int]]
# One listing of every source: what a query that batches well costs at most.
LISTING = """{ touristSpots { totalCount } healthFacilities { totalCount }
  complaints { totalCount } dimensions { programs { indicators { code } } } }"""


async def upstream_requests(
    hub: HubFactory,
    settings: Settings,
    demo_server: ThreadedServer,
    query: str,
    variables: dict[str, Any] | None = None,
) -> dict[str, int]:
    """Requests per upstream for ``query`` on a new hub (the settings' cache prefix unused)."""
    counted = request_counter(demo_server)
    async with hub(settings) as client:
        body = await gql(client, query, variables)
    assert "errors" not in body, body
    return counted()


async def listing_requests(
    hub: HubFactory, settings: Callable[[], Settings], demo_server: ThreadedServer
) -> dict[str, int]:
    """Requests per upstream for one listing of every source."""
    counts = await upstream_requests(hub, settings(), demo_server, LISTING)
    assert all(counts.values()), counts
    return counts


def request_counter(demo_server: ThreadedServer) -> UpstreamCount:
    """Requests each reference upstream receives from now on."""
    logs = {name: getattr(demo_server.app.state, name).state.request_log for name in UPSTREAMS}
    for log in logs.values():
        log.clear()
    return lambda: {name: log.count() for name, log in logs.items()}
