"""The city's records, one index per kind, for text search and for what lies near a point."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from kotahub.errors import SourceError
from kotahub.resolvers.city_items import ALL_KINDS, CityItem, Kind, items_of, load_batches, stamp_of
from kotahub.resolvers.geo_grid import GeoGrid
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.search_documents import document_of
from kotahub.resolvers.text_index import TextIndex
from kotahub.resolvers.text_scoring import Position


@dataclass(frozen=True, slots=True)
class CityIndex:
    """The items of one kind numbered by position, their words, and their places on a grid."""

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
    """What one request sees of some kinds: an index of each, built from the very pages this
    request loaded, and the sources that failed."""

    indexes: tuple[CityIndex, ...]
    failures: tuple[SourceError, ...]

    def item(self, position: Position) -> CityItem:
        return self.indexes[position[0]].items[position[1]]


async def city_view(scope: RequestScope, kinds: Collection[Kind]) -> CityView:
    """The view of these kinds; each kind is loaded and indexed once per request however
    many fields ask, and its index is reused by later requests while its pages are the
    same: it is rebuilt only after one of them was fetched anew."""
    wanted = [kind for kind in ALL_KINDS if kind in kinds]
    found = await asyncio.gather(*(_kind_index(scope, kind) for kind in wanted))
    failures = {id(failure): failure for part in found for failure in part.failures}
    return CityView(tuple(part.value for part in found), tuple(failures.values()))


async def _kind_index(scope: RequestScope, kind: Kind) -> Partial[CityIndex]:
    return await scope.memo.once(("city-index", kind), lambda: _load_and_index(scope, kind))


async def _load_and_index(scope: RequestScope, kind: Kind) -> Partial[CityIndex]:
    found = await load_batches(scope, (kind,))

    def build() -> CityIndex:
        return build_index(items_of(found.value))

    index: CityIndex = await scope.indexes.get(kind, stamp_of(found.value), build)
    return Partial(index, found.failures)
