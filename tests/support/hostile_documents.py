"""GraphQL documents built to be deep or explosive, for the tests of the query limits."""

from __future__ import annotations

import re

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


DECOY = "query Decoy { __typename }"


def behind_a_decoy(operation: str, name: str = "Hostile") -> str:
    """``operation`` (shorthand ``{ … }``, or starting with its keyword) named ``name`` and
    followed by a harmless second operation: without operationName an engine may run the
    first one, while a door that looks for the only operation finds none to measure."""
    named = re.sub(r"^(query|mutation)?\s*", lambda m: f"{m[1] or 'query'} {name} ", operation)
    return f"{named}\n{DECOY}"


def repeated_fields(count: int) -> str:
    """One spot's location asked ``count`` times: ``2 * count + 3`` fields."""
    return "{ touristSpots(first: 1) { edges { node { " + "location { lat } " * count + "} } } }"


def padded(document: str, size: int, tag: int) -> str:
    """``document`` after a comment that makes it ``size`` bytes long and unlike any other
    ``tag``: many distinct documents, each as large as the query limits allow."""
    head = f"# {tag}\n"
    filler = max(0, size - len(head) - len(document) - 3)
    return f"{head}# {'x' * filler}\n{document}"
