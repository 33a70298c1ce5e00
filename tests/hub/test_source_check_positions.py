"""``kotahub check-source`` warns of positions outside the city's bounds, naming a swap."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from kotahub.hub.settings import Settings
from kotahub.hub.source_check import check_configured
from tests.support.static_upstream import static_upstream

# Columbus, Ohio: west, south, east, north.
COLUMBUS = (-83.2, 39.8, -82.8, 40.1)


def _spot(ident: str, lon: float, lat: float) -> dict[str, Any]:
    geometry = {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "id": ident, "geometry": geometry, "properties": {"name": ident}}


async def _report(settings: Settings, name: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await check_configured(settings, name, out)
    return code, out.getvalue()


async def test_a_swap_of_latitude_and_longitude_is_named_with_the_first_place(
    hub_settings: Callable[..., Settings],
) -> None:
    features = [
        _spot("Columbus Commons", -83.0006, 39.9573),
        _spot("Antarctica", 39.9612, -83.0007),  # served [lat, lon]: latitude -83
        _spot("Cincinnati", -84.512, 39.1031),
    ]
    collection = {"type": "FeatureCollection", "features": features}
    with static_upstream({"/items": collection}) as upstream:
        source = {"name": "parks", "kind": "geojson", "base_url": f"{upstream.url}/items"}
        code, report = await _report(hub_settings(sources=[source], city_bounds=COLUMBUS), "parks")
    assert code == 0, report  # a warning, not a failure
    assert (
        "WARN  positions in the city: 2 of 3 positions outside city_bounds "
        "(-83.2, 39.8, -82.8, 40.1), 1 of them with latitude and longitude swapped; "
        "the first: Antarctica at lat -83.0007, lon 39.9612 "
        "(latitude and longitude look swapped)"
    ) in report
    assert "fix: the source gives latitude for longitude" in report


async def test_places_of_another_city_are_counted_and_the_first_named(
    hub_settings: Callable[..., Settings],
) -> None:
    samarinda = [_spot("mahakam", 117.15, -0.50), _spot("islamic-center", 117.1425, -0.5135)]
    collection = {"type": "FeatureCollection", "features": samarinda}
    with static_upstream({"/items": collection}) as upstream:
        source = {"name": "samarinda", "kind": "geojson", "base_url": f"{upstream.url}/items"}
        code, report = await _report(hub_settings(sources=[source]), "samarinda")
    assert code == 0, report
    assert "WARN  positions in the city: 2 of 2 positions outside city_bounds" in report
    assert "the first: mahakam at lat -0.5, lon 117.15 (outside the city)" in report
    assert "fix: the source lists places outside the city" in report


async def test_the_reference_places_lie_in_the_city(hub_settings: Callable[..., Settings]) -> None:
    for name in ("tourism", "health", "complaints"):
        code, report = await _report(hub_settings(), name)
        assert code == 0, report
        assert "PASS  positions in the city: all " in report, report
