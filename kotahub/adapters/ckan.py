"""The dimensions adapter: a CKAN Action API client (package_search, datastore_search)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel

from kotahub.adapters.ckan_options import CKANOptions
from kotahub.adapters.ckan_records import owned_resource, program_from
from kotahub.adapters.ckan_rows import Point, RowReader
from kotahub.adapters.error_bodies import explained
from kotahub.adapters.payload_values import finite, listed, mapping
from kotahub.contract import Domain
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import IndicatorRecord, ProgramRecord, Provenance
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip, UnusableRecord
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import ParamValue

ACTION = "api/3/action/"
MAX_PAGES = 100


class CKANDimensionsAdapter:
    """Programs are datasets whose profile, or mapped groups, tags or organization, name a
    dimension; indicators are the rows of DataStore tables."""

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
        """Every program, or those of one dimension; datasets that are none are reported."""
        params: dict[str, ParamValue] = {"rows": self._options.rows, "sort": "name asc"}
        fq = self._filter(dimension)
        if fq:
            params["fq"] = fq
        programs: list[ProgramRecord] = []
        start = 0
        for _ in range(MAX_PAGES):
            page = await self._action("package_search", {**params, "start": start})
            result = page.body["result"]
            packages = listed(self.source, result, "results", "datasets")
            programs += self._session.derived(page, "programs", partial(self._programs, page))
            start += len(packages)  # a server may send fewer rows than asked for
            if not packages or start >= (finite(result.get("count")) or 0):
                break
        else:
            self._log.warning(
                "source %s: package_search stopped after %d pages", self.source, MAX_PAGES
            )
        return [p for p in programs if dimension is None or p.dimension == dimension]

    async def indicators(self, resource_id: str) -> Mapping[str, Sequence[IndicatorRecord]]:
        """Every indicator in a DataStore resource, grouped by program, following _links.next."""
        table, owner = owned_resource(resource_id)
        params: dict[str, ParamValue] = {
            "resource_id": table,
            "limit": self._options.limit,
            "sort": self._options.columns.sort(),
        }
        page = await self._action("datastore_search", params)
        reader = RowReader(self._options, owner, page.body["result"].get("fields"))
        pages = [page]
        read = 0
        for _ in range(MAX_PAGES):
            result = page.body["result"]
            records = listed(self.source, result, "records", "DataStore records")
            read += len(records)
            link = mapping(result.get("_links")).get("next")
            if not records or not isinstance(link, str) or not link or _complete(result, read):
                break
            page = await self._follow(link, page.url)
            pages.append(page)
        else:
            pages.pop()  # fetched, but past the last page read
            self._log.warning(
                "source %s: datastore_search stopped after %d pages", self.source, MAX_PAGES
            )
        series = partial(self._series, pages, reader)
        return self._session.derived(pages, f"indicators {owner}", series)

    def _series(
        self, pages: list[Fetched], reader: RowReader
    ) -> Mapping[str, Sequence[IndicatorRecord]]:
        """The indicator series in the rows of these pages, grouped by program."""
        points: list[Point] = []
        read = 0
        for page in pages:
            records = listed(self.source, page.body["result"], "records", "DataStore records")
            points += self._points(page, reader, records, read)
            read += len(records)
        provenances = [Provenance(page.source, page.fetched_at, page.stale) for page in pages]
        return reader.series(points, Provenance.combined(provenances))

    def _filter(self, dimension: str | None) -> str:
        """The Solr ``fq``: the options' own, and the dimension's extra where the profile's
        extra alone names dimensions (a mapped one is told from groups and tags here)."""
        own = self._options.fq.strip()
        mapped = self._options.dimension_from.given()
        wanted = f'extras_dimension:"{dimension}"' if dimension and not mapped else ""
        if not (own and wanted):
            return own or wanted
        return f"{own if ' ' not in own else f'({own})'} AND {wanted}"

    def _programs(self, page: Fetched) -> list[ProgramRecord]:
        """Programs of the six dimensions; the profile's index dataset is none and no skip."""
        packages = listed(self.source, page.body["result"], "results", "datasets")
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        found, skips, index_datasets = [], [], 0
        for index, package in enumerate(packages):
            try:
                program = program_from(package, provenance, self._options)
            except UnusableRecord as exc:
                skips.append(Skip(exc.skip.reason, f"package {index}: {exc.skip.detail}"))
                continue
            if program is None:
                index_datasets += 1
            else:
                found.append(program)
        self._session.report_skips(page, skips, len(packages) - index_datasets)
        return found

    def _points(
        self, page: Fetched, reader: RowReader, records: list[Any], read: int
    ) -> list[Point]:
        """The usable rows of one page; the others are reported."""
        points, skips = [], []
        for index, row in enumerate(records):
            try:
                points.append(reader.point(row, read + index + 1))
            except UnusableRecord as exc:
                skips.append(exc.skip)
        self._session.report_skips(page, skips, len(records))
        return points

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
