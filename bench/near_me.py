"""The "near me" query a phone sends: care and places to visit around where it stands."""

from __future__ import annotations

import json
import random
from pathlib import Path

OPERATION = "NearMe"
QUERY = """\
query NearMe($lat: Float!, $lon: Float!) {
  healthFacilities(near: {lat: $lat, lon: $lon, radiusKm: 3}, first: 5) {
    edges { node { name type isOpenNow phone distanceKm } }
  }
  touristSpots(near: {lat: $lat, lon: $lon, radiusKm: 3}, first: 5) {
    edges { node { name category isOpenNow distanceKm } }
  }
}
"""
# Where people are in Balikpapan: the built-up south, from Kariangau to Manggar.
SOUTH, NORTH, WEST, EAST = -1.29, -1.20, 116.80, 116.97
SEED = 7  # the measured run's points
WARMUP_SEED = 8  # the warm-up's, others: no point of the run was asked before it


def variables(rng: random.Random) -> dict[str, float]:
    """A point drawn at random in the city, to the metre."""
    return {"lat": round(rng.uniform(SOUTH, NORTH), 5), "lon": round(rng.uniform(WEST, EAST), 5)}


def body(point: dict[str, float]) -> bytes:
    return json.dumps({"query": QUERY, "operationName": OPERATION, "variables": point}).encode()


def write_bodies(path: Path, count: int, seed: int = SEED) -> list[dict[str, float]]:
    """``count`` bodies, a different point each, one a line; the points, in order."""
    rng = random.Random(seed)
    points = [variables(rng) for _ in range(count)]
    path.write_bytes(b"\n".join(body(point) for point in points) + b"\n")
    return points
