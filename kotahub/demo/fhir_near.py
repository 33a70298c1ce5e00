"""The Location ``near`` search of the reference FHIR upstream: parsing, distances, ordering."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kotahub.demo.fhir_outcome import FhirError
from kotahub.demo.fhir_store import Resource
from kotahub.demo.request_values import finite, quoted

DEFAULT_NEAR_KM = 10.0
"""The radius when ``near`` gives none (the spec leaves it to the server)."""
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Near:
    """The ``near`` parameter: a WGS 84 point and a radius in kilometres."""

    latitude: float
    longitude: float
    km: float
    raw: str


def parse_near(raw: str) -> Near:
    """``latitude|longitude|distance|units``; raises FhirError naming what is wrong."""
    expected = (
        "latitude|longitude|distance|units in WGS 84 degrees and km, e.g. "
        "near=-1.2654|116.8312|5|km (distance defaults to 10, units to km)"
    )
    parts = raw.split("|")
    numbers = [finite(part) for part in parts[:3]]
    if not 2 <= len(parts) <= 4 or numbers[0] is None or numbers[1] is None:
        raise FhirError(400, "invalid", f"Parameter 'near' must be {expected}; got {quoted(raw)}.")
    latitude, longitude = numbers[0], numbers[1]
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problem = "needs a latitude from -90 to 90 and a longitude from -180 to 180"
        raise FhirError(400, "invalid", f"Parameter 'near' {problem}; got {quoted(raw)}.")
    return Near(latitude, longitude, _near_km(parts, raw), raw)


def _near_km(parts: list[str], raw: str) -> float:
    units = parts[3] if len(parts) == 4 else ""
    if units not in ("", "km"):
        raise FhirError(
            400,
            "not-supported",
            f"Parameter 'near': units {quoted(units)} are not supported; use km; "
            f"got {quoted(raw)}.",
        )
    if len(parts) < 3 or not parts[2]:
        return DEFAULT_NEAR_KM
    distance = finite(parts[2])
    if distance is None or distance <= 0:
        raise FhirError(
            400,
            "invalid",
            f"Parameter 'near': the distance must be a number above 0 (km); got {quoted(raw)}.",
        )
    return distance


def distance_km(latitude: float, longitude: float, near: Near) -> float:
    """Great-circle (haversine) distance from ``near``'s point, in km."""
    phi1, phi2 = math.radians(near.latitude), math.radians(latitude)
    d_phi = phi2 - phi1
    d_lambda = math.radians(longitude - near.longitude)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def nearest(found: list[Resource], near: Near) -> tuple[list[Resource], dict[str, float]]:
    """The Locations of ``found`` within ``near``, nearest first (ties by id), and distances."""
    distances: dict[str, float] = {}
    for resource in found:
        position = resource.get("position") or {}
        latitude, longitude = position.get("latitude"), position.get("longitude")
        if isinstance(latitude, int | float) and isinstance(longitude, int | float):
            distance = distance_km(latitude, longitude, near)
            if distance <= near.km:
                distances[resource["id"]] = distance
    kept = [r for r in found if r["id"] in distances]
    kept.sort(key=lambda r: (distances[r["id"]], r["id"]))
    return kept, distances
