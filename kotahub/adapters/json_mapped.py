"""The declarative ``json`` adapter: a plain REST/JSON API mapped to places by configuration."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel

from kotahub.adapters.json_items import ItemError, facility_from_item, spot_from_item
from kotahub.adapters.json_options import FieldMap, JSONOptions
from kotahub.adapters.json_paging import first_params, pages
from kotahub.contract import Adapter, Domain
from kotahub.records import HealthFacilityRecord, Near, Provenance, TouristSpotRecord
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip
from kotahub.upstream.source_settings import SourceSettings

KIND = "json"
Record = TypeVar("Record")


class _JSONMapped:
    """What both domains share: the options, the probe and reading every page's items."""

    kind: ClassVar[str] = KIND

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._options = JSONOptions.model_validate(settings.options)

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe("", first_params(self._options) or None)

    async def _records(self, build: Callable[[Any, FieldMap, Provenance], Record]) -> list[Record]:
        records: list[Record] = []
        async for page, items in pages(self._session, self._options, self._log):
            made = partial(self._page, page, items, build)
            records += self._session.derived(page, build.__name__, made)
        return records

    def _page(
        self, page: Fetched, items: list[Any], build: Callable[[Any, FieldMap, Provenance], Record]
    ) -> list[Record]:
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        records, skips = [], []
        for index, item in enumerate(items):
            try:
                records.append(build(item, self._options.fields, provenance))
            except ItemError as exc:
                skips.append(Skip(exc.skip.reason, f"item {index}: {exc.skip.detail}"))
        self._session.report_skips(page, skips, len(items))
        return records


class JSONTourismAdapter(_JSONMapped):
    """Tourist spots from a plain JSON API."""

    domain: ClassVar[Domain] = "tourism"

    async def spots(self) -> Sequence[TouristSpotRecord]:
        return await self._records(spot_from_item)


class JSONHealthAdapter(_JSONMapped):
    """Health facilities from a plain JSON API; ``near`` is not sent upstream."""

    domain: ClassVar[Domain] = "health"

    async def facilities(self, near: Near | None = None) -> Sequence[HealthFacilityRecord]:
        return await self._records(facility_from_item)


class JSONAdapterFactory:
    """Builds the ``json`` adapter of the domain a source's ``options.domain`` names."""

    kind: ClassVar[str] = KIND
    domains: ClassVar[tuple[Domain, ...]] = ("tourism", "health")

    @property
    def options_model(self) -> type[BaseModel]:
        return JSONOptions

    def __call__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> Adapter:
        domain = JSONOptions.model_validate(settings.options).domain
        adapter = JSONTourismAdapter if domain == "tourism" else JSONHealthAdapter
        return adapter(settings, session, logger)


JSON_ADAPTERS = JSONAdapterFactory()
