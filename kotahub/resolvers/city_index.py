"""The city's records of some kinds, indexed for text search and for what lies near a point."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from kotahub.hub.errors import SourceError
from kotahub.resolvers.city_items import CityItem, Kind, items_of, load_batches, stamp_of
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
    """What one request sees: an index built from the very pages this request loaded."""

    index: CityIndex
    failures: tuple[SourceError, ...]

    def item(self, position: int) -> CityItem:
        return self.index.items[position]


async def city_view(scope: RequestScope, kinds: Collection[Kind]) -> CityView:
    """The view of these kinds, made once per request however many fields ask for it."""
    wanted = frozenset(kinds)
    return await scope.memo.once(("city-view", wanted), lambda: _view(scope, wanted))


async def _view(scope: RequestScope, kinds: frozenset[Kind]) -> CityView:
    """Loads the records (cached per source), and reuses the index while their pages are
    the same: a new index is built only after a source's data was fetched anew."""
    found = await load_batches(scope, kinds)
    stamp = stamp_of(found.value)

    def build() -> CityIndex:
        return build_index(items_of(found.value))

    index: CityIndex = await scope.indexes.get(tuple(sorted(kinds)), stamp, build)
    return CityView(index, found.failures)
