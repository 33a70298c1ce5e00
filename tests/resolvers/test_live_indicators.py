"""City-wide live figures count what their method says: the last 90 days by the hub's clock,
and only what lies in the city's bounds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from kotahub.clock import SYSTEM_CLOCK
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, tourism_source
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer
from tests.support.static_upstream import static_upstream

HUB_NOW = datetime(2024, 6, 1, tzinfo=UTC)
IN_2012 = datetime(2012, 6, 10, tzinfo=UTC)
SERVICES = [{"service_code": "jalan", "service_name": "Jalan rusak", "metadata": False,
             "type": "realtime", "keywords": "", "group": "Jalan"}]  # fmt: skip
REQUESTS = [
    # A city whose server stopped in 2012 still lists its "latest 90 days": from 2012.
    {"service_request_id": "2012-1", "status": "closed", "service_code": "jalan",
     "requested_datetime": "2012-04-01T09:00:00-05:00",
     "updated_datetime": "2012-06-01T09:00:00-05:00",
     "expected_datetime": "2012-04-05T09:00:00-05:00"},
    {"service_request_id": "2012-2", "status": "open", "service_code": "jalan",
     "requested_datetime": "2012-05-01T09:00:00-05:00"},
    # And one filed lately, closed before its expected time.
    {"service_request_id": "2024-1", "status": "closed", "service_code": "jalan",
     "requested_datetime": "2024-05-20T09:00:00+08:00",
     "updated_datetime": "2024-05-22T09:00:00+08:00",
     "expected_datetime": "2024-05-25T09:00:00+08:00"},
]  # fmt: skip
GOVERNANCE = """{ dimension(code: GOVERNANCE) { liveIndicators {
    code method(lang: EN) latest { value } breakdown { label value } } } }"""
BRANDING = """{ dimension(code: BRANDING) { liveIndicators {
    code method(lang: EN) latest { value } breakdown { label value } } } }"""


class StoppedClock:
    """The hub's clock, reading one moment; its monotonic time runs on."""

    def __init__(self, moment: datetime) -> None:
        self._time = moment.timestamp()

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return self._time


@pytest.fixture
def open311_of_2012() -> Iterator[ThreadedServer]:
    with static_upstream({"/services.json": SERVICES, "/requests.json": REQUESTS}) as server:
        yield server


async def _indicator(
    hub: HubFactory, settings: Settings, query: str, moment: datetime | None = None
) -> dict[str, Any] | None:
    clock = StoppedClock(moment) if moment else SYSTEM_CLOCK
    async with hub(settings, clock) as client:
        body = await gql(client, query)
    assert "errors" not in body, body
    found = body["data"]["dimension"]["liveIndicators"]
    return dict(found[0]) if found else None


async def test_the_on_time_rate_counts_the_last_90_days_by_the_hubs_clock(
    hub: HubFactory, hub_settings: Callable[..., Settings], open311_of_2012: ThreadedServer
) -> None:
    source = {"name": "complaints", "kind": "open311", "base_url": open311_of_2012.url}
    settings = hub_settings(sources=[source])
    now = await _indicator(hub, settings, GOVERNANCE, HUB_NOW)
    assert now is not None
    assert now["breakdown"] == [
        {"label": "tepat waktu / on time", "value": 1.0},
        {"label": "terlambat / late", "value": 0.0},  # not 2012's late ones
    ]
    assert now["latest"]["value"] == 100.0
    assert "last 90 days by the hub's clock" in now["method"]
    then = await _indicator(hub, hub_settings(sources=[source]), GOVERNANCE, IN_2012)
    assert then is not None  # the window moves with the hub's clock
    assert [part["value"] for part in then["breakdown"]] == [0.0, 2.0]


async def test_a_source_of_only_old_complaints_gives_no_on_time_rate(
    hub: HubFactory, hub_settings: Callable[..., Settings], open311_of_2012: ThreadedServer
) -> None:
    source = {"name": "complaints", "kind": "open311", "base_url": open311_of_2012.url}
    later = datetime(2025, 1, 1, tzinfo=UTC)
    assert await _indicator(hub, hub_settings(sources=[source]), GOVERNANCE, later) is None


def _spot(ident: str, lon: float, lat: float) -> dict[str, Any]:
    properties = {"name": f"Wisata {ident}", "eTicketUrl": f"https://tiket.example/{ident}"}
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "id": ident, "geometry": geometry, "properties": properties}


@pytest.fixture
def samarinda_tourism() -> Iterator[ThreadedServer]:
    """Another city's attractions, all of them selling tickets online."""
    spots = [_spot("islamic-center", 117.1425, -0.5135), _spot("mahakam", 117.15, -0.50)]
    collection = {"type": "FeatureCollection", "features": spots}
    with static_upstream({"/items": collection}) as server:
        yield server


async def test_attractions_outside_the_city_are_left_out_of_branding(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    demo_server: ThreadedServer,
    samarinda_tourism: ThreadedServer,
) -> None:
    ours = tourism_source(demo_server.url)
    alone = await _indicator(hub, hub_settings(sources=[ours]), BRANDING)
    foreign = {"name": "samarinda", "kind": "geojson", "base_url": f"{samarinda_tourism.url}/items"}
    both = await _indicator(hub, hub_settings(sources=[ours, foreign]), BRANDING)
    assert alone is not None and both is not None
    assert both["breakdown"] == alone["breakdown"]
    assert both["latest"] == alone["latest"]
    assert "outside the city's bounds (city_bounds) are left out" in both["method"]


async def test_attractions_count_again_when_the_bounds_take_them_in(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    demo_server: ThreadedServer,
    samarinda_tourism: ThreadedServer,
) -> None:
    foreign = {"name": "samarinda", "kind": "geojson", "base_url": f"{samarinda_tourism.url}/items"}
    samarinda = (117.0, -0.6, 117.3, -0.4)
    settings = hub_settings(sources=[foreign], city_bounds=samarinda)
    found = await _indicator(hub, settings, BRANDING)
    assert found is not None
    assert found["latest"]["value"] == 100.0
