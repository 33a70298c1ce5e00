"""What lies around a place, of any kind; every place of a request shares one index."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from kotahub.records import Near
from kotahub.resolvers.city_index import CityView, city_view
from kotahub.resolvers.city_items import PLACE_KINDS, CityItem, ItemKey, Kind
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.scope import RequestScope


@dataclass(frozen=True, slots=True)
class NearbyHit:
    item: CityItem
    distance_km: float


async def nearby(
    scope: RequestScope,
    origin: ItemKey,
    around: Near,
    kinds: Collection[Kind] | None,
    first: int,
) -> Partial[list[NearbyHit]]:
    """Up to ``first`` places inside the circle, nearest first, the origin itself left out."""
    view = await city_view(scope, kinds or PLACE_KINDS)
    return Partial(closest(view, origin, around, first), view.failures)


def closest(view: CityView, origin: ItemKey, around: Near, first: int) -> list[NearbyHit]:
    """The nearest ``first`` items of every kind in the view, the origin left out."""
    measured = [
        ((which, number), distance)
        for which, index in enumerate(view.indexes)
        for number, distance in index.grid.within(around)
    ]
    measured.sort(key=lambda pair: (pair[1], pair[0]))
    hits: list[NearbyHit] = []
    for position, distance in measured:
        if len(hits) >= first:
            break
        item = view.item(position)
        if item.key != origin:
            hits.append(NearbyHit(item, distance))
    return hits
