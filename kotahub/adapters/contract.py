"""The adapter contract every upstream protocol module fulfils."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import ClassVar, Literal, Protocol

from kotahub.adapters.records import TouristSpotRecord
from kotahub.hub.settings import SourceSettings
from kotahub.hub.source_client import SourceSession

Domain = Literal["tourism", "health", "complaints", "dimensions"]


class Adapter(Protocol):
    """What the hub needs of any adapter, whatever its domain."""

    kind: ClassVar[str]
    domain: ClassVar[Domain]

    @property
    def source(self) -> str:
        """The configured name of the source this adapter speaks to."""
        ...

    async def probe(self) -> None:
        """Reach the upstream without the cache; raise a SourceError when it does not answer."""
        ...


class TourismAdapter(Adapter, Protocol):
    """A source of tourist attractions."""

    async def spots(self) -> Sequence[TouristSpotRecord]:
        """Every attraction the source offers, following its paging."""
        ...


class AdapterFactory(Protocol):
    """Builds an adapter from its settings, its session on the shared client and a logger."""

    def __call__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> Adapter: ...
