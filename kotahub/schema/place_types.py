"""Which GraphQL type shows a record of each kind of place: each place type registers itself.

Places and ``nearby`` refer to each other (a place has neighbours, a neighbour is any place);
this registry lets ``nearby`` build any place without importing the modules that define them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kotahub.resolvers.city_items import CityItem

PlaceBuilder = Callable[[Any, float | None], Any]
_BUILDERS: dict[type, PlaceBuilder] = {}


def shown_as(record_class: type, build: PlaceBuilder) -> None:
    """Records of ``record_class`` are shown by what ``build(record, distance_km)`` returns."""
    _BUILDERS[record_class] = build


def graphql_place(item: CityItem, distance_km: float | None = None) -> Any:
    """The GraphQL object of a place, at ``distance_km`` from the point asked for."""
    # A record class an adapter refines is shown as the class it refines is.
    build = next((_BUILDERS[c] for c in type(item.record).__mro__ if c in _BUILDERS), None)
    if build is None:  # a bug: a place type that did not register, not bad input
        raise TypeError(f"a {item.kind} is not a place with a GraphQL type")
    return build(item.record, distance_km)
