"""The grid finds exactly what measuring every point would find."""

from __future__ import annotations

import random

import pytest

from kotahub.records import GeoPoint, Near
from kotahub.resolvers.geo import distance_km
from kotahub.resolvers.geo_grid import GeoGrid


def scattered(count: int, seed: int) -> list[tuple[int, GeoPoint]]:
    rng = random.Random(seed)
    return [
        (n, GeoPoint(lat=rng.uniform(-1.40, -1.0), lon=rng.uniform(116.75, 117.2)))
        for n in range(count)
    ]


@pytest.mark.parametrize("radius_km", [0.05, 0.5, 2.0, 15.0, 500.0])
def test_within_equals_measuring_every_point(radius_km: float) -> None:
    points = scattered(2000, seed=int(radius_km * 100))
    grid = GeoGrid(points)
    for centre in (GeoPoint(lat=-1.2654, lon=116.8312), GeoPoint(lat=-1.0, lon=117.2)):
        expected = sorted(
            (n, distance_km(centre, p)) for n, p in points if distance_km(centre, p) <= radius_km
        )
        got = grid.within(Near(centre, radius_km))
        assert sorted(got) == expected
        assert [d for _, d in got] == sorted(d for _, d in got)


def test_empty_grid_finds_nothing() -> None:
    assert GeoGrid([]).within(Near(GeoPoint(lat=0.0, lon=0.0), 10.0)) == []
