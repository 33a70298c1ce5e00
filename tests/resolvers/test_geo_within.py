"""A circle's members are exactly those within its radius, its bounding box only a shortcut."""

from __future__ import annotations

import random

import pytest

from kotahub.records import GeoPoint, Near
from kotahub.resolvers.geo import distance_km, within


def _scatter(rng: random.Random, centre: GeoPoint, radius_km: float) -> list[GeoPoint]:
    """Points around the centre, some inside the circle and some out, across the
    antimeridian and near the poles alike."""
    spread = radius_km / 60
    return [
        GeoPoint(
            lat=max(-90.0, min(90.0, centre.lat + rng.gauss(0, spread))),
            lon=(centre.lon + rng.gauss(0, spread * 2) + 180) % 360 - 180,
        )
        for _ in range(30)
    ]


@pytest.mark.parametrize("radius_km", [0.05, 1, 5, 50, 300, 500])
def test_within_finds_what_the_haversine_alone_finds(radius_km: float) -> None:
    rng = random.Random(radius_km)
    for _ in range(400):
        centre = GeoPoint(lat=rng.uniform(-90, 90), lon=rng.uniform(-180, 180))
        points = _scatter(rng, centre, radius_km)
        found = within(points, Near(centre, radius_km), lambda point: point)
        inside = [
            (p, distance_km(centre, p)) for p in points if distance_km(centre, p) <= radius_km
        ]
        assert found == sorted(inside, key=lambda pair: pair[1])


def test_a_circle_across_the_antimeridian_reaches_the_other_side() -> None:
    east, west = GeoPoint(lat=-17.8, lon=179.99), GeoPoint(lat=-17.8, lon=-179.99)
    assert [p for p, _ in within([west], Near(east, 5), lambda point: point)] == [west]
