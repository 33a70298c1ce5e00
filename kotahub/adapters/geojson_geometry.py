"""One point for a GeoJSON geometry (RFC 7946 §3.1), and whether it is only an estimate.

A Point is where it says. Of a line or several points, the first usable position: a point of
the feature itself (a trailhead, an entrance), never somewhere between them. Of an area, a
point inside it: the centroid of the largest polygon when that lies inside (a lake in a park
is a hole, and not inside), else the middle of the widest stretch of the polygon across the
centroid's latitude. "0, 0" and positions off the globe are no position (``position``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kotahub.adapters.payload_values import finite, position, position_fault
from kotahub.records import GeoPoint

Vertex = tuple[float, float]  # lon, lat: GeoJSON's order
Ring = list[Vertex]
LINES = ("LineString", "MultiPoint")
DIGITS = 7  # of a point the hub computes: about a centimetre, and no digits of rounding noise


def located(geometry: Any) -> tuple[GeoPoint | None, bool]:
    """The geometry's point, and True when the hub chose it rather than the source."""
    if not isinstance(geometry, Mapping):
        return None, False
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Point":
        return _point(coordinates), False
    if kind in LINES:
        return _first(_listed(coordinates)), True
    if kind == "MultiLineString":
        return _first([p for line in _listed(coordinates) for p in _listed(line)]), True
    if kind == "Polygon":
        return _inside(_rings(coordinates)), True
    if kind == "MultiPolygon":
        polygons = [_rings(polygon) for polygon in _listed(coordinates)]
        largest = max((p for p in polygons if p), key=lambda p: abs(_area(p[0])), default=[])
        return _inside(largest), True
    if kind == "GeometryCollection":
        points = (located(member)[0] for member in _listed(geometry.get("geometries")))
        return next((point for point in points if point is not None), None), True
    return None, False


def point_fault(geometry: Any) -> str | None:
    """Why a Point's coordinates are no position though numbers are given: off the globe,
    most often [latitude, longitude] written for [longitude, latitude]; None otherwise."""
    if not isinstance(geometry, Mapping) or geometry.get("type") != "Point":
        return None
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    return position_fault(coordinates[1], coordinates[0])


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _point(coordinates: Any) -> GeoPoint | None:
    """A GeoJSON position, [lon, lat] (and maybe an altitude), as a point."""
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        return None
    return position(coordinates[1], coordinates[0])


def _first(positions: Sequence[Any]) -> GeoPoint | None:
    return next((p for p in map(_point, positions) if p is not None), None)


def _rings(polygon: Any) -> list[Ring]:
    """A polygon's rings, the outer one first, each of numeric vertices only."""
    rings = []
    for ring in _listed(polygon):
        vertices = [_vertex(p) for p in _listed(ring)]
        rings.append([v for v in vertices if v is not None])
    return rings if rings and len(rings[0]) >= 3 else []


def _vertex(value: Any) -> Vertex | None:
    if not isinstance(value, list) or len(value) < 2:
        return None
    lon, lat = finite(value[0]), finite(value[1])
    return (lon, lat) if lon is not None and lat is not None else None


def _inside(rings: list[Ring]) -> GeoPoint | None:
    if not rings:
        return None
    centre = _centroid(rings[0])
    if not _contains(rings, centre):
        centre = _across(rings, centre[1])
    return position(round(centre[1], DIGITS), round(centre[0], DIGITS))


def _edges(ring: Ring) -> list[tuple[Vertex, Vertex]]:
    """The ring's sides, closed whether or not the source repeated the first vertex."""
    return list(zip(ring, ring[1:] + ring[:1], strict=True))


def _area(ring: Ring) -> float:
    """The signed area, in square degrees, computed from the first vertex (see _centroid)."""
    ox, oy = ring[0]
    shifted = [(x - ox, y - oy) for x, y in ring]
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in _edges(shifted)) / 2


def _centroid(ring: Ring) -> Vertex:
    """The area's centroid; the mean of the vertices for a ring that encloses nothing.
    Computed from the first vertex, so that the digits of far-off coordinates are kept."""
    (ox, oy), area = ring[0], _area(ring)
    if area == 0:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    cx = cy = 0.0
    for (x0, y0), (x1, y1) in _edges([(x - ox, y - oy) for x, y in ring]):
        cross = x0 * y1 - x1 * y0
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    return ox + cx / (6 * area), oy + cy / (6 * area)


def _crossings(rings: list[Ring], lat: float) -> list[float]:
    """Where the rings' sides cross the parallel at ``lat``, west to east."""
    found = []
    for ring in rings:
        for (x0, y0), (x1, y1) in _edges(ring):
            if (y0 <= lat < y1) or (y1 <= lat < y0):
                found.append(x0 + (lat - y0) * (x1 - x0) / (y1 - y0))
    return sorted(found)


def _contains(rings: list[Ring], point: Vertex) -> bool:
    """Inside the outer ring and outside its holes (even-odd rule)."""
    west = [x for x in _crossings(rings, point[1]) if x < point[0]]
    return len(west) % 2 == 1


def _across(rings: list[Ring], lat: float) -> Vertex:
    """The middle of the widest stretch inside the polygon along the parallel at ``lat``."""
    xs = _crossings(rings, lat)
    stretches = list(zip(xs[::2], xs[1::2], strict=False))
    if not stretches:
        return _centroid(rings[0])
    west, east = max(stretches, key=lambda pair: pair[1] - pair[0])
    return (west + east) / 2, lat
