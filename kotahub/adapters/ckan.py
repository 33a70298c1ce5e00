"""The dimensions adapter: a CKAN Action API client (package_search, datastore_search)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from kotahub.adapters.ckan_records import RecordError, indicators_from, program_from
from kotahub.adapters.error_bodies import explained
from kotahub.adapters.payload_values import finite, listed, mapping
from kotahub.contract import Domain
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import DIMENSION_CODES, IndicatorRecord, ProgramRecord, Provenance
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import ParamValue

ACTION = "api/3/action/"
MAX_PAGES = 100


class CKANOptions(BaseModel, extra="forbid"):
    """``rows`` per package_search page, ``limit`` per datastore_search page."""

    rows: int = Field(default=100, ge=1, le=1000)
    limit: int = Field(default=1000, ge=1, le=32000)


class CKANDimensionsAdapter:
    """Programs are datasets tagged with a dimension; indicators are DataStore records."""

    kind: ClassVar[str] = "ckan"
    domain: ClassVar[Domain] = "dimensions"
    options_model: ClassVar[type[BaseModel]] = CKANOptions

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._options = CKANOptions.model_validate(settings.options)
        # CKAN takes its API token as the bare Authorization header.
        self._headers = (
            {"Authorization": settings.api_key.get_secret_value()} if settings.api_key else {}
        )

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe(f"{ACTION}package_search", {"rows": 0}, headers=self._headers)

    async def programs(self, dimension: str | None = None) -> Sequence[ProgramRecord]:
        """Every program, or those of one dimension (``fq=extras_dimension:…``)."""
        params: dict[str, ParamValue] = {"rows": self._options.rows, "sort": "name asc"}
        if dimension:
            params["fq"] = f'extras_dimension:"{dimension}"'
        programs: list[ProgramRecord] = []
        start = 0
        for _ in range(MAX_PAGES):
            page = await self._action("package_search", {**params, "start": start})
            result = page.body["result"]
            packages = listed(self.source, result, "results", "datasets")
            provenance = Provenance(page.source, page.fetched_at, page.stale)
            programs += self._programs(packages, provenance)
            start += len(packages)  # a server may send fewer rows than asked for
            if not packages or start >= (finite(result.get("count")) or 0):
                return programs
        self._log.warning(
            "source %s: package_search stopped after %d pages", self.source, MAX_PAGES
        )
        return programs

    async def indicators(self, resource_id: str) -> Mapping[str, Sequence[IndicatorRecord]]:
        """Every indicator in a DataStore resource, grouped by program, following _links.next."""
        rows: list[Any] = []
        params: dict[str, ParamValue] = {
            "resource_id": resource_id,
            "limit": self._options.limit,
            "sort": "program asc, indicator asc, period asc",
        }
        page = await self._action("datastore_search", params)
        pages: list[Provenance] = []
        for _ in range(MAX_PAGES):
            pages.append(Provenance(page.source, page.fetched_at, page.stale))
            result = page.body["result"]
            records = listed(self.source, result, "records", "DataStore records")
            rows += records
            link = mapping(result.get("_links")).get("next")
            if not records or not isinstance(link, str) or not link or _complete(result, len(rows)):
                return indicators_from(rows, Provenance.combined(pages))
            page = await self._follow(link, page.url)
        self._log.warning(
            "source %s: datastore_search stopped after %d pages", self.source, MAX_PAGES
        )
        return indicators_from(rows, Provenance.combined(pages))

    def _programs(self, packages: list[Any], provenance: Provenance) -> list[ProgramRecord]:
        """Programs of the six dimensions; other datasets (an "all" index) are left out."""
        found = []
        for index, package in enumerate(packages):
            try:
                program = program_from(package, provenance)
            except RecordError as exc:
                self._log.warning("source %s: skipped package %d: %s", self.source, index, exc)
                continue
            if program.dimension in DIMENSION_CODES:
                found.append(program)
            else:
                self._log.debug("source %s: %s has no dimension", self.source, program.slug)
        return found

    async def _action(self, action: str, params: Mapping[str, ParamValue]) -> Fetched:
        return await self._checked(f"{ACTION}{action}", params, None)

    async def _follow(self, link: str, page_url: str) -> Fetched:
        return await self._checked(link, None, page_url)

    async def _checked(
        self, target: str, params: Mapping[str, ParamValue] | None, relative_to: str | None
    ) -> Fetched:
        try:
            page = await self._session.get_json(
                target, params, relative_to=relative_to, headers=self._headers
            )
        except SourceHTTPError as exc:
            raise explained(exc, _error_text, self._log) from exc
        body = page.body
        if not isinstance(body, Mapping) or body.get("success") is not True:
            text = _error_text(body) or "the answer is not a CKAN {success, result} envelope"
            raise SourcePayloadError(self.source, text)
        if not isinstance(body.get("result"), Mapping):
            raise SourcePayloadError(self.source, "CKAN answer has no result object")
        return page


def _complete(result: Mapping[str, Any], have: int) -> bool:
    """Whether every record is in: by ``total`` when the server counted exactly."""
    total = result.get("total")
    if isinstance(total, int) and not result.get("total_was_estimated"):
        return have >= total
    return False  # no trustworthy total: read on until an empty page


def _error_text(body: Any) -> str | None:
    """What a CKAN ``{success: false, error: {...}}`` says."""
    if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        return None
    error = body["error"]
    parts = [str(error.get("__type", "error"))]
    for key, value in error.items():
        if key != "__type":
            shown = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {shown}")
    return " — ".join(parts)[:300]
