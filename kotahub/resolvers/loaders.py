"""Per-request DataLoaders: each upstream lookup happens at most once per request."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from strawberry.dataloader import DataLoader

from kotahub.records import TouristSpotRecord
from kotahub.resolvers.catalog import Catalog

SpotList = Sequence[TouristSpotRecord]


@dataclass(frozen=True, slots=True)
class Loaders:
    """The loaders of one request; a new set is made for every request."""

    spots: DataLoader[str, SpotList]


def make_loaders(catalog: Catalog) -> Loaders:
    tourism = {adapter.source: adapter for adapter in catalog.tourism}

    async def load_spots(sources: list[str]) -> list[SpotList | BaseException]:
        calls = (tourism[source].spots() for source in sources)
        return list(await asyncio.gather(*calls, return_exceptions=True))

    return Loaders(spots=DataLoader(load_fn=load_spots))
