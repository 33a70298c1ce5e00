"""The kinds of record that search and ``nearby`` find, as GraphQL enums."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import cast

import strawberry

from kotahub.errors import ClientInputError
from kotahub.resolvers.city_items import Kind


@strawberry.enum(description="The kinds of record a search finds.")
class SearchKind(Enum):
    TOURIST_SPOT = "tourist_spot"
    HEALTH_FACILITY = "health_facility"
    COMPLAINT = "complaint"
    PROGRAM = "program"
    INDICATOR = "indicator"


@strawberry.enum(description="The kinds of place found around a place.")
class PlaceKind(Enum):
    TOURIST_SPOT = "tourist_spot"
    HEALTH_FACILITY = "health_facility"
    COMPLAINT = "complaint"


def kinds_asked(given: Sequence[SearchKind | PlaceKind] | None) -> list[Kind] | None:
    """The resolvers' kinds for those asked in GraphQL (the enums' values); None: every kind."""
    if given is None:
        return None
    if not given:
        raise ClientInputError("kinds must name at least one kind; leave it out for every kind")
    return [cast(Kind, kind.value) for kind in given]
