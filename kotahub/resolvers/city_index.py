"""The city's records of some kinds, indexed for text search and for what lies near a point."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from kotahub.hub.errors import SourceError
from kotahub.resolvers.city_items import CityItem, ItemKey, Kind, load_items, stamp_of
from kotahub.resolvers.geo_grid import GeoGrid
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.search_documents import document_of
from kotahub.resolvers.text_index import TextIndex


@dataclass(frozen=True, slots=True)
class CityIndex:
    """Items numbered by position, their words, and their places on a grid."""

    items: tuple[CityItem, ...]
    text: TextIndex
    grid: GeoGrid


def build_index(items: Sequence[CityItem]) -> CityIndex:
    located = ((n, item.location) for n, item in enumerate(items) if item.location is not None)
    return CityIndex(
        items=tuple(items),
        text=TextIndex(document_of(item) for item in items),
        grid=GeoGrid((n, point) for n, point in located if point is not None),
    )


@dataclass(frozen=True, slots=True)
class CityView:
    """What one request sees: this request's records, and an index built from the same data."""

    index: CityIndex
    current: Mapping[ItemKey, CityItem]
    failures: tuple[SourceError, ...]

    def item(self, position: int) -> CityItem | None:
        """The current record at an index position; None if it has gone since."""
        return self.current.get(self.index.items[position].key)


async def city_view(scope: RequestScope, kinds: Collection[Kind]) -> CityView:
    """The view of these kinds, made once per request however many fields ask for it."""
    wanted = frozenset(kinds)
    return await scope.memo.once(("city-view", wanted), lambda: _view(scope, wanted))


async def _view(scope: RequestScope, kinds: frozenset[Kind]) -> CityView:
    found = await load_items(scope, kinds)
    stamp = (tuple(sorted(kinds)), stamp_of(found.value))
    index: CityIndex = await scope.indexes.get(stamp, lambda: build_index(found.value))
    current = {item.key: item for item in found.value}
    return CityView(index, current, found.failures)
