"""The tourism adapter for GeoJSON FeatureCollections (RFC 7946), paged OGC API - Features style."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from pydantic import BaseModel

from kotahub.adapters.error_bodies import explained
from kotahub.adapters.geojson_features import spot_from_feature
from kotahub.adapters.geojson_geometry import point_fault
from kotahub.adapters.geojson_options import GeoJSONOptions
from kotahub.contract import Domain
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import Provenance, TouristSpotRecord
from kotahub.upstream.client import Fetched, SourceSession
from kotahub.upstream.skips import Skip, UnusableRecord
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import normalized_url

MAX_PAGES = 200
DESCRIPTION_LIMIT = 200
ACCEPT = "application/geo+json, application/json;q=0.9"
# An ArcGIS query stops at the layer's maxRecordCount and says so, without a link onwards:
# the features it left out are told (as one, their number unknown), never dropped in silence.
LIMIT_FLAG = "exceededTransferLimit"
CUT_SHORT = "more not sent"
CUT_SHORT_DETAIL = (
    "the server sent {} features, said more match (exceededTransferLimit) and linked no next page"
)


class GeoJSONTourismAdapter:
    """Reads attractions from a FeatureCollection URL, following ``links[rel=next]``."""

    kind: ClassVar[str] = "geojson"
    domain: ClassVar[Domain] = "tourism"
    options_model: ClassVar[type[BaseModel]] = GeoJSONOptions

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        options = GeoJSONOptions.model_validate(settings.options)
        self._page_size = options.page_size
        self._names = options.properties

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe("", {"limit": 1} if self._page_size else None)

    async def spots(self) -> Sequence[TouristSpotRecord]:
        records: list[TouristSpotRecord] = []
        page = await self._page("", {"limit": self._page_size} if self._page_size else None)
        seen = {normalized_url(page.url)}
        while True:
            records.extend(self._session.derived(page, "spots", partial(self._records, page)))
            link = _next_link(page.body)
            if link is None:
                return records
            url = self._session.resolve(link, relative_to=page.url)
            if normalized_url(url) in seen:
                return records
            if len(seen) >= MAX_PAGES:
                self._log.warning("source %s: stopped after %d pages", self.source, MAX_PAGES)
                return records
            page = await self._page(url, None)
            seen.add(normalized_url(page.url))

    async def _page(self, target: str, params: Mapping[str, int] | None) -> Fetched:
        try:
            page = await self._session.get_json(target, params, accept=ACCEPT)
        except SourceHTTPError as exc:
            raise explained(exc, _ogc_description, self._log) from exc
        body = page.body
        if not isinstance(body, Mapping) or body.get("type") != "FeatureCollection":
            found = body.get("type") if isinstance(body, Mapping) else type(body).__name__
            raise SourcePayloadError(
                self.source, f"expected a GeoJSON FeatureCollection, got {found!r}"
            )
        if not isinstance(body.get("features"), list):
            raise SourcePayloadError(self.source, "FeatureCollection has no 'features' array")
        return page

    def _records(self, page: Fetched) -> list[TouristSpotRecord]:
        provenance = Provenance(page.source, page.fetched_at, page.stale)
        records, skips = [], []
        features = page.body["features"]
        for index, feature in enumerate(features):
            try:
                record = spot_from_feature(feature, page.url, provenance, self._names)
            except UnusableRecord as exc:
                skips.append(Skip(exc.skip.reason, f"feature {index}: {exc.skip.detail}"))
                continue
            records.append(record)
            fault = point_fault(feature.get("geometry")) if record.location is None else None
            if fault is not None:
                detail = f"feature {index} ('{record.local_id}'): coordinates {fault}"
                skips.append(Skip("bad value", f"{detail}; listed without a position", True))
        if _cut_short(page.body) and _next_link(page.body) is None:
            skips.append(Skip(CUT_SHORT, CUT_SHORT_DETAIL.format(len(features))))
        self._session.report_skips(page, skips, len(features))
        return records


def _cut_short(body: Mapping[str, Any]) -> bool:
    """Whether an ArcGIS query answer says it holds fewer features than match (its
    ``exceededTransferLimit``, among the collection's properties or beside them)."""
    properties = body.get("properties")
    flags = [
        body.get(LIMIT_FLAG),
        properties.get(LIMIT_FLAG) if isinstance(properties, Mapping) else None,
    ]
    return True in flags


def _next_link(body: Mapping[str, Any]) -> str | None:
    """The ``next`` link; of several (one per format), the GeoJSON or JSON one."""
    links = body.get("links")
    following = [
        link
        for link in (links if isinstance(links, list) else [])
        if isinstance(link, Mapping) and link.get("rel") == "next"
    ]
    following.sort(key=lambda link: "json" not in str(link.get("type") or "json"))
    href = following[0].get("href") if following else None
    return href if isinstance(href, str) and href else None


def _ogc_description(body: Any) -> str | None:
    """The ``description`` of an OGC exception body, shortened; None for anything else."""
    description = body.get("description") if isinstance(body, Mapping) else None
    if not isinstance(description, str) or not description.strip():
        return None
    text = " ".join(description.split())
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"
