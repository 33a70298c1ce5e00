"""A partner's tourism adapter for a city parks API that speaks plain, paged JSON."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from kotahub.sdk import (
    Domain,
    Fetched,
    GeoPoint,
    LocalizedText,
    Provenance,
    Skip,
    SourcePayloadError,
    SourceSession,
    SourceSettings,
    TouristSpotRecord,
    UnusableRecord,
)

MAX_PAGES = 50


class ParksOptions(BaseModel, extra="forbid"):
    """What a source's ``options`` may set: parks per page, sent as ``per_page``."""

    per_page: int = Field(default=100, ge=1, le=1000)


class ParksAdapter:
    """Reads ``{"parks": [...], "next": URL or null}`` pages into tourist-spot records."""

    kind: ClassVar[str] = "parks"
    domain: ClassVar[Domain] = "tourism"
    options_model: ClassVar[type[BaseModel]] = ParksOptions

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._per_page = ParksOptions.model_validate(settings.options).per_page

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe("", {"per_page": 1})

    async def spots(self) -> Sequence[TouristSpotRecord]:
        page = await self._page("", {"per_page": self._per_page})
        records = list(self._spots_of(page))
        for _ in range(MAX_PAGES - 1):
            link = page.body.get("next")
            if not isinstance(link, str) or not link:
                return records
            page = await self._page(self._session.resolve(link, relative_to=page.url), None)
            records += self._spots_of(page)
        self._log.warning("source %s: stopped after %d pages", self.source, MAX_PAGES)
        return records

    async def _page(self, target: str, params: Mapping[str, int] | None) -> Fetched:
        page = await self._session.get_json(target, params)
        if not isinstance(page.body, Mapping) or not isinstance(page.body.get("parks"), list):
            raise SourcePayloadError(self.source, "expected an object with a 'parks' array")
        return page

    def _spots_of(self, page: Fetched) -> list[TouristSpotRecord]:
        """The page's spots, made once per fetched page: a warm request reuses them (they
        are shared, so the list is copied, never changed)."""
        return self._session.derived(page, "spots", partial(self._records, page))

    def _records(self, page: Fetched) -> list[TouristSpotRecord]:
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        records, skips = [], []
        for index, park in enumerate(page.body["parks"]):
            try:
                records.append(_spot(park, provenance))
            except UnusableRecord as exc:
                skips.append(Skip(exc.skip.reason, f"park {index}: {exc.skip.detail}"))
        # Counted and logged once per fetched page, however often the page is read.
        self._session.report_skips(page, skips, len(page.body["parks"]))
        return records


def _spot(park: Any, provenance: Provenance) -> TouristSpotRecord:
    """A record for one park; UnusableRecord when it has no code or name."""
    if not isinstance(park, Mapping):
        raise UnusableRecord("not a record", "not a JSON object")
    code, name = park.get("code"), park.get("name")
    if not isinstance(code, str) or not code:
        raise UnusableRecord("no id", "no 'code' (a non-empty string)")
    if not isinstance(name, str) or not name.strip():
        raise UnusableRecord("no name", f"'{code}' has no 'name' (a non-empty string)")
    about = park.get("about")
    lat, lon = park.get("lat"), park.get("lon")
    location = None
    if isinstance(lat, int | float) and isinstance(lon, int | float):
        location = GeoPoint(lat=float(lat), lon=float(lon))
    return TouristSpotRecord(
        source=provenance.source,
        local_id=code,
        name=name.strip(),
        provenance=provenance,
        categories=("park",),
        district=park.get("kecamatan") if isinstance(park.get("kecamatan"), str) else None,
        description=LocalizedText(id=about) if isinstance(about, str) and about else None,
        location=location,
    )
