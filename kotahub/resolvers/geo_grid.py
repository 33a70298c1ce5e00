"""A grid over points, so that finding what is near a place reads a few cells, not every point."""

from __future__ import annotations

import math
from collections.abc import Iterable

from kotahub.records import GeoPoint, Near
from kotahub.resolvers.geo import EARTH_RADIUS_KM, distance_km

CELL_DEGREES = 0.01  # about 1.1 km at the equator
KM_PER_DEGREE = math.radians(EARTH_RADIUS_KM)  # the same Earth as the distances


class GeoGrid:
    """Numbered points in square cells of ``CELL_DEGREES``."""

    def __init__(self, points: Iterable[tuple[int, GeoPoint]]) -> None:
        self._cells: dict[tuple[int, int], list[tuple[int, GeoPoint]]] = {}
        for number, point in points:
            self._cells.setdefault(_cell(point.lat, point.lon), []).append((number, point))

    def within(self, near: Near) -> list[tuple[int, float]]:
        """The points inside the circle with their distances, nearest first."""
        centre = near.point
        lat_span = near.radius_km / KM_PER_DEGREE
        # Parallels are shortest on the box's side farthest from the equator.
        farthest = min(abs(centre.lat) + lat_span, 90.0)
        cos_lat = max(math.cos(math.radians(farthest)), 1e-6)
        lon_span = min(near.radius_km / (KM_PER_DEGREE * cos_lat), 180.0)
        low = _cell(centre.lat - lat_span, centre.lon - lon_span)
        high = _cell(centre.lat + lat_span, centre.lon + lon_span)
        found: list[tuple[int, float]] = []
        for cell in self._cells_between(low, high):
            for number, point in self._cells.get(cell, ()):
                distance = distance_km(centre, point)
                if distance <= near.radius_km:
                    found.append((number, distance))
        return sorted(found, key=lambda pair: (pair[1], pair[0]))

    def _cells_between(self, low: tuple[int, int], high: tuple[int, int]) -> list[tuple[int, int]]:
        """The cells of the box; for a box wider than the grid, the grid's occupied cells."""
        rows, columns = range(low[0], high[0] + 1), range(low[1], high[1] + 1)
        if len(rows) * len(columns) > len(self._cells):
            return [cell for cell in self._cells if cell[0] in rows and cell[1] in columns]
        return [(row, column) for row in rows for column in columns]


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL_DEGREES), math.floor(lon / CELL_DEGREES)
