"""GraphQL documents built to be deep or explosive, for the tests of the query limits."""

from __future__ import annotations

SPOT_ID = "VG91cmlzdFNwb3Q6dG91cmlzbTpwYW50YWktbWFuZ2dhci1zZWdhcmEtc2FyaQ"


def nearby_chain(levels: int) -> str:
    """A valid query ``2 * levels + 2`` fields deep: places near places near a spot."""
    inner = "id"
    for _ in range(levels):
        inner = f"nearby(first: 1) {{ item {{ ... on TouristSpot {{ {inner} }} }} }}"
    return f'{{ touristSpot(id: "{SPOT_ID}") {{ {inner} }} }}'


def fragment_bomb(levels: int, leaf: str) -> str:
    """Each fragment spreads the next one twice: 2**levels copies of ``leaf`` if expanded."""
    spreads = "".join(
        f"fragment F{n} on TouristSpot {{ ...F{n + 1} ...F{n + 1} }}\n" for n in range(levels)
    )
    query = "{ touristSpots(first: 1) { edges { node { ...F0 } } } }\n"
    return query + spreads + f"fragment F{levels} on TouristSpot {{ {leaf} }}"
