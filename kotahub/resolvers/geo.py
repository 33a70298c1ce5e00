"""Distances on the Earth and the ``near`` search argument."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import TypeVar

from kotahub.errors import ClientInputError
from kotahub.records import GeoPoint, Near

EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 500.0
BOX_MARGIN = 1.01  # the box is widened a little, so rounding never leaves a point out
T = TypeVar("T")


def near(lat: float, lon: float, radius_km: float) -> Near:
    """A checked ``near`` argument; each fault names the field and the range expected."""
    if not -90 <= lat <= 90:
        raise ClientInputError(f"near.lat must be between -90 and 90, got {lat}")
    if not -180 <= lon <= 180:
        raise ClientInputError(f"near.lon must be between -180 and 180, got {lon}")
    return Near(GeoPoint(lat=lat, lon=lon), radius(radius_km, "near.radiusKm"))


def radius(radius_km: float, argument: str) -> float:
    """A checked search radius; the fault names the argument and the range expected."""
    if not 0 < radius_km <= MAX_RADIUS_KM:
        raise ClientInputError(
            f"{argument} must be above 0 and at most {MAX_RADIUS_KM:g}, got {radius_km}"
        )
    return radius_km


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance by the haversine formula."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def within(
    items: Iterable[T], near: Near, place: Callable[[T], GeoPoint | None]
) -> list[tuple[T, float]]:
    """The items inside the circle with their distances, nearest first. Those plainly
    outside the circle's bounding box are passed over without a haversine."""
    centre, reach = near.point, near.radius_km
    lat_reach = math.degrees(reach / EARTH_RADIUS_KM) * BOX_MARGIN
    lon_reach = _lon_reach(centre.lat, lat_reach)
    measured = []
    for item in items:
        point = place(item)
        if point is None or abs(point.lat - centre.lat) > lat_reach:
            continue
        if lon_reach is not None and abs((point.lon - centre.lon + 180) % 360 - 180) > lon_reach:
            continue
        distance = distance_km(centre, point)
        if distance <= reach:
            measured.append((item, distance))
    return sorted(measured, key=lambda pair: pair[1])


def _lon_reach(lat: float, lat_reach: float) -> float | None:
    """How far east and west (in degrees) the circle reaches; None near a pole, where it
    may reach every longitude."""
    widest = abs(lat) + lat_reach  # the circle is widest on its side nearest the pole
    if widest >= 89.0:
        return None
    return lat_reach / math.cos(math.radians(widest))
