"""Whether a position lies in the city, and what is likely wrong with it when it does not."""

from __future__ import annotations

from typing import Literal

from kotahub.records import GeoPoint
from kotahub.resolvers.scope import CityBounds

LocationDoubt = Literal["outside the city", "latitude and longitude look swapped"]
OUTSIDE: LocationDoubt = "outside the city"
SWAPPED: LocationDoubt = "latitude and longitude look swapped"


def location_doubt(bounds: CityBounds, point: GeoPoint | None) -> LocationDoubt | None:
    """None for no position or one in the city's bounds; else whether the source likely
    swapped latitude and longitude (swapped back, the point lies in the bounds)."""
    if point is None or bounds.contains(point):
        return None
    return SWAPPED if bounds.contains(GeoPoint(lat=point.lon, lon=point.lat)) else OUTSIDE


def placed_in_city(bounds: CityBounds, point: GeoPoint | None) -> bool:
    """False only for a position outside the bounds: without one, nothing says otherwise."""
    return point is None or bounds.contains(point)
