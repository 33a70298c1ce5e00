"""Searches near a point, snapped to a grid so that neighbouring points share upstream answers.

A point is moved to the nearest corner of a grid of ``grid_degrees`` and the radius widened
by the most any point can move (half a cell's diagonal), then rounded up to a step: every
point of a cell, with the same radius, asks the upstream the very same question, and the
wider circle still holds the one asked for. The resolvers then keep what is truly inside.
"""

from __future__ import annotations

import math

from kotahub.records import GeoPoint, Near

KM_PER_DEGREE = 111.195  # of latitude; a degree of longitude is never longer
RADIUS_STEP_KM = 0.5


def snapped(near: Near, grid_degrees: float) -> Near:
    if grid_degrees <= 0:
        return near
    lat = _snap(near.point.lat, grid_degrees)
    lon = _snap(near.point.lon, grid_degrees)
    widest_move_km = grid_degrees * KM_PER_DEGREE * math.sqrt(2) / 2
    radius = math.ceil((near.radius_km + widest_move_km) / RADIUS_STEP_KM) * RADIUS_STEP_KM
    return Near(GeoPoint(lat=lat, lon=lon), round(radius, 3))


def _snap(value: float, grid: float) -> float:
    return round(round(value / grid) * grid, 6)
