"""The health adapter: an HL7 FHIR R4 REST client for Location, Organization, HealthcareService."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from kotahub.adapters.contract import Domain
from kotahub.adapters.error_bodies import explained
from kotahub.adapters.fhir_bundle import ResourceIndex, next_link, outcome_text
from kotahub.adapters.fhir_facilities import facilities_from
from kotahub.hub.cache_keys import ParamValue, normalized_url
from kotahub.hub.errors import SourceHTTPError, SourcePayloadError
from kotahub.hub.settings import SourceSettings
from kotahub.hub.source_client import Fetched, SourceSession
from kotahub.records import HealthFacilityRecord, Near, Provenance

FHIR_JSON = "application/fhir+json, application/json;q=0.9"
MAX_PAGES = 100


class FHIROptions(BaseModel, extra="forbid"):
    """How to search: page size, and who computes ``near`` (``auto`` asks the server's
    CapabilityStatement)."""

    page_size: int = Field(default=200, ge=1, le=1000)
    near_search: Literal["auto", "server", "hub"] = "auto"
    includes: bool = True


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

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe("metadata")

    async def facilities(self, near: Near | None = None) -> Sequence[HealthFacilityRecord]:
        """Every operating facility, or those near a point when the server can search so."""
        params: dict[str, ParamValue] = {"_count": self._options.page_size}
        if self._options.includes:
            params |= {
                "_include": "Location:organization",
                "_revinclude": "HealthcareService:location",
            }
        if near is not None and await self.server_searches_near():
            params["near"] = f"{near.point.lat:.6f}|{near.point.lon:.6f}|{near.radius_km:g}|km"
        index, oldest = await self._search("Location", params)
        if not self._options.includes:
            services, _ = await self._search(
                "HealthcareService", {"_count": self._options.page_size}
            )
            index.by_key.update(services.by_key)
        return facilities_from(index, oldest)

    async def server_searches_near(self) -> bool:
        """Whether the server supports ``near`` on Location, per its CapabilityStatement."""
        if self._options.near_search != "auto":
            return self._options.near_search == "server"
        statement = (await self._get("metadata", None)).body
        return "near" in _location_search_params(statement)

    async def _search(
        self, resource_type: str, params: Mapping[str, ParamValue]
    ) -> tuple[ResourceIndex, Provenance]:
        index = ResourceIndex()
        page = await self._get(resource_type, params)
        oldest = Provenance(page.source, page.fetched_at, page.stale)
        seen = {normalized_url(page.url)}
        while True:
            index.add_page(_bundle(self.source, page.body))
            oldest = min(
                oldest,
                Provenance(page.source, page.fetched_at, page.stale),
                key=lambda p: p.fetched_at,
            )
            link = next_link(page.body)
            if link is None or len(seen) >= MAX_PAGES:
                return index, oldest
            url = self._session.resolve(link, relative_to=page.url)
            if normalized_url(url) in seen:
                return index, oldest
            page = await self._get(url, None)
            seen.add(normalized_url(page.url))

    async def _get(self, target: str, params: Mapping[str, ParamValue] | None) -> Fetched:
        try:
            return await self._session.get_json(target, params, accept=FHIR_JSON)
        except SourceHTTPError as exc:
            raise explained(exc, outcome_text, self._log) from exc


def _bundle(source: str, body: Any) -> Mapping[str, Any]:
    if isinstance(body, Mapping) and body.get("resourceType") == "Bundle":
        return body
    text = outcome_text(body)
    if text is not None:
        raise SourcePayloadError(source, f"the server answered with an OperationOutcome: {text}")
    found = body.get("resourceType") if isinstance(body, Mapping) else type(body).__name__
    raise SourcePayloadError(source, f"expected a FHIR Bundle, got {found!r}")


def _location_search_params(statement: Any) -> set[str]:
    if not isinstance(statement, Mapping):
        return set()
    names: set[str] = set()
    for rest in statement.get("rest") or []:
        for resource in (rest.get("resource") or []) if isinstance(rest, Mapping) else []:
            if isinstance(resource, Mapping) and resource.get("type") == "Location":
                params = resource.get("searchParam") or []
                names |= {str(p.get("name")) for p in params if isinstance(p, Mapping)}
    return names
