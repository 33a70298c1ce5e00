"""The health adapter: an HL7 FHIR R4 REST client for Location, Organization, HealthcareService."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, ClassVar, Literal

from cachetools import LRUCache
from pydantic import BaseModel, Field

from kotahub.adapters.error_bodies import explained
from kotahub.adapters.fhir_bundle import (
    PageEntries,
    PageRead,
    ResourceIndex,
    next_link,
    outcome_text,
    page_entries,
    reference_key,
)
from kotahub.adapters.fhir_capabilities import LocationSearch, location_search
from kotahub.adapters.fhir_facilities import Mapped, facilities_from
from kotahub.adapters.fhir_listing import Key
from kotahub.adapters.near_grid import snapped
from kotahub.contract import Domain
from kotahub.errors import SourceError, SourceHTTPError, SourcePayloadError
from kotahub.records import HealthFacilityRecord, Near, Provenance
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import ParamValue, normalized_url

FHIR_JSON = "application/fhir+json, application/json;q=0.9"
MAX_PAGES = 100
MAX_PARENTS = 100  # Locations read by id in one search
ORGANIZATION = "Location:organization"
SERVICES = "HealthcareService:location"
PART_OF = "Location:partof"


class FHIROptions(BaseModel, extra="forbid"):
    """Page size; who computes ``near`` (``auto`` asks the CapabilityStatement); includes;
    the grid server-side near searches are snapped to (0: not snapped)."""

    page_size: int = Field(default=200, ge=1, le=1000)
    near_search: Literal["auto", "server", "hub"] = "auto"
    includes: bool = True
    # Server-side near searches are snapped to this grid so that neighbours share answers.
    near_grid_degrees: float = Field(default=0.01, ge=0, le=1)


class FHIRHealthAdapter:
    """Facilities are Locations; their Organizations and services come in the same search."""

    kind: ClassVar[str] = "fhir-r4"
    domain: ClassVar[Domain] = "health"
    options_model: ClassVar[type[BaseModel]] = FHIROptions

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._options = FHIROptions.model_validate(settings.options)
        self._mapped: LRUCache[Hashable, Mapped] = LRUCache(maxsize=1024)
        # Pages whose warnings were logged: a cached page, read by every request, says once.
        self._told: LRUCache[tuple[str, datetime], None] = LRUCache(maxsize=1024)

    @property
    def source(self) -> str:
        return self._session.name

    def _log_once(self, page: Fetched) -> logging.Logger | None:
        """The logger the first time a fetched page is read; None every time after."""
        key = (page.url, page.fetched_at)
        if key in self._told:
            return None
        self._told[key] = None
        return self._log

    async def probe(self) -> None:
        await self._session.probe("metadata")

    async def facilities(self, near: Near | None = None) -> Sequence[HealthFacilityRecord]:
        """Every operating facility, or at least those near a point when the server can say."""
        caps = await self._capabilities()
        includes, revincludes = self._includes(caps)
        params: dict[str, ParamValue] = {"_count": self._options.page_size}
        if caps is not None and "status" in caps.params:
            params["status"] = "active"
        if near is not None and self._server_near(caps):
            asked = snapped(near, self._options.near_grid_degrees)
            params["near"] = f"{asked.point.lat:.6f}|{asked.point.lon:.6f}|{asked.radius_km:g}|km"
            # The wings come as includes, and _revinclude reaches only matched Locations:
            # services are then read from the (cached) service list instead.
            includes, revincludes = [*includes, PART_OF], [PART_OF]
        params |= {"_include": includes, "_revinclude": revincludes}
        search = Search()
        await self._search(search, "Location", params)
        if SERVICES not in revincludes:
            await self._search(search, "HealthcareService", {}, matching=False)
        if ORGANIZATION not in includes:
            await self._search(search, "Organization", {}, matching=False)
        await self._read_parents(search)
        # The same pages (one search, each page as fetched) map to the same facilities.
        pages = tuple((page.fetched_at, page.stale) for page in search.pages)
        key = (normalized_url("Location", params), pages)
        mapped = self._mapped.get(key)
        if mapped is None:
            mapped = self._mapped[key] = facilities_from(search.index, search.combined())
        search.report(self._session, mapped.skipped)
        return mapped.records

    async def _capabilities(self) -> LocationSearch | None:
        """The server's Location search support; None when its CapabilityStatement fails."""
        try:
            page = await self._get("metadata", None)
        except SourceError as exc:
            self._log.warning("source %s: no CapabilityStatement (%s)", self.source, exc.detail)
            return None
        return self._session.derived(page, "location search", partial(location_search, page.body))

    def _includes(self, caps: LocationSearch | None) -> tuple[list[str], list[str]]:
        """The includes to ask for: those the server lists, or both when it could not say."""
        if not self._options.includes:
            return [], []
        if caps is None:
            return [ORGANIZATION], [SERVICES]
        # Parents come along so that a wing of a closed hospital is known to be closed.
        includes = [i for i in (ORGANIZATION, PART_OF) if i in caps.includes]
        revincludes = [SERVICES] if SERVICES in caps.revincludes else []
        return includes, revincludes

    def _server_near(self, caps: LocationSearch | None) -> bool:
        if self._options.near_search != "auto":
            return self._options.near_search == "server"
        # Without partOf includes, a wing inside the circle would lose its hospital.
        return (
            caps is not None
            and "near" in caps.params
            and (PART_OF in caps.includes and PART_OF in caps.revincludes)
        )

    async def _search(
        self,
        search: Search,
        kind: str,
        params: Mapping[str, ParamValue],
        matching: bool = True,
    ) -> None:
        """Every page of a search, into ``search``; ``matching``: whether its matches are
        what is listed (not for searches that fetch what the listed ones refer to)."""
        page = await self._get(kind, {"_count": self._options.page_size, **params})
        seen = {normalized_url(page.url)}
        while True:
            search.add(page, self._session, self._log_once(page), matching)
            link = next_link(page.body)
            url = self._session.resolve(link, relative_to=page.url) if link else None
            if url is None or normalized_url(url) in seen:
                return
            if len(seen) >= MAX_PAGES:
                self._log.warning(
                    "source %s: %s search stopped after %d pages", self.source, kind, MAX_PAGES
                )
                return
            page = await self._get(url, None)
            seen.add(normalized_url(page.url))

    async def _read_parents(self, search: Search) -> None:
        """The Locations that matched ones are part of, when the search did not bring them
        (the server could not include them, or they are not active): read by id."""
        missing = sorted(search.missing_parents())
        if missing:
            ids = ",".join(missing[:MAX_PARENTS])
            await self._search(search, "Location", {"_id": ids}, matching=False)

    async def _get(self, target: str, params: Mapping[str, ParamValue] | None) -> Fetched:
        try:
            return await self._session.get_json(target, params, accept=FHIR_JSON)
        except SourceHTTPError as exc:
            raise explained(exc, outcome_text, self._log) from exc


class Search:
    """The pages a search read: their resources, what each held, and their provenance."""

    def __init__(self) -> None:
        self.index = ResourceIndex()
        self.pages: list[Fetched] = []
        self.reads: list[PageRead] = []

    def add(
        self, page: Fetched, session: SourceSession, log: logging.Logger | None, matching: bool
    ) -> None:
        entries = session.derived(page, "entries", partial(_entries, page, session.name, log))
        self.reads.append(self.index.add_entries(entries, matching))
        self.pages.append(page)

    def missing_parents(self) -> set[str]:
        """Ids of the Locations that matched ones are part of and that no page held."""
        index = self.index
        parents = (reference_key(r.get("partOf")) for r in index.matched)
        wanted = {key[1] for key in parents if key and key[0] == "Location"}
        return {lid for lid in wanted if ("Location", lid) not in index.by_key}

    def combined(self) -> Provenance:
        """As old as the oldest page, stale if any page was, revised when any page is."""
        return Provenance.combined(
            [Provenance(page.source, page.fetched_at, page.stale) for page in self.pages]
        )

    def report(self, session: SourceSession, skipped: Mapping[Key, Skip]) -> None:
        """Tell the session what each page held and what of it was left out."""
        by_page: dict[int, list[Skip]] = {}
        for key, skip in skipped.items():
            by_page.setdefault(self.index.page_of.get(key, 0), []).append(skip)
        for number, (page, read) in enumerate(zip(self.pages, self.reads, strict=True)):
            session.report_skips(page, [*read.skips, *by_page.get(number, [])], read.total)


def _entries(page: Fetched, source: str, log: logging.Logger | None) -> PageEntries:
    return page_entries(_bundle(source, page.body), source, log)


def _bundle(source: str, body: Any) -> Mapping[str, Any]:
    if isinstance(body, Mapping) and body.get("resourceType") == "Bundle":
        return body
    text = outcome_text(body)
    if text is not None:
        raise SourcePayloadError(source, f"the server answered with an OperationOutcome: {text}")
    found = body.get("resourceType") if isinstance(body, Mapping) else type(body).__name__
    raise SourcePayloadError(source, f"expected a FHIR Bundle, got {found!r}")
