"""The tourism adapter for GeoJSON FeatureCollections (RFC 7946), paged OGC API - Features style."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from kotahub.adapters.contract import Domain
from kotahub.adapters.geojson_features import FeatureError, spot_from_feature
from kotahub.adapters.records import Provenance, TouristSpotRecord
from kotahub.hub.errors import ConfigError, SourceHTTPError, SourcePayloadError
from kotahub.hub.settings import SourceSettings
from kotahub.hub.source_client import Fetched, SourceSession

MAX_PAGES = 200
DEFAULT_PAGE_SIZE = 500


class GeoJSONTourismAdapter:
    """Reads attractions from a FeatureCollection URL, following ``links[rel=next]``.

    Options: ``page_size`` (sent as ``limit``; 0 sends no paging parameter, for static files).
    """

    kind: ClassVar[str] = "geojson"
    domain: ClassVar[Domain] = "tourism"

    def __init__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> None:
        self._session = session
        self._log = logger
        self._page_size = _page_size(settings)

    @property
    def source(self) -> str:
        return self._session.name

    async def probe(self) -> None:
        await self._session.probe()

    async def spots(self) -> Sequence[TouristSpotRecord]:
        records: list[TouristSpotRecord] = []
        params = {"limit": self._page_size} if self._page_size else {}
        target: str | None = ""
        seen: set[str] = set()
        while target is not None and len(seen) < MAX_PAGES:
            page = await self._page(target, params)
            seen.add(page.url)
            records.extend(self._records(page))
            target = _next_link(page.body)
            if target is not None and self._session.resolve(target) in seen:
                target = None
            params = {}
        return records

    async def _page(self, target: str, params: Mapping[str, int]) -> Fetched:
        try:
            page = await self._session.get_json(
                target, params, accept="application/geo+json, application/json;q=0.9"
            )
        except SourceHTTPError as exc:
            raise SourceHTTPError(
                exc.source, exc.status, f"{exc.detail}: {_ogc_description(exc.body)}", exc.body
            ) from exc
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
        records = []
        for index, feature in enumerate(page.body["features"]):
            try:
                records.append(spot_from_feature(feature, page.url, provenance))
            except FeatureError as exc:
                self._log.warning("source %s: skipped feature %d: %s", self.source, index, exc)
        return records


def _next_link(body: Mapping[str, Any]) -> str | None:
    links = body.get("links")
    if not isinstance(links, list):
        return None
    for link in links:
        if isinstance(link, Mapping) and link.get("rel") == "next":
            href = link.get("href")
            return href if isinstance(href, str) and href else None
    return None


def _ogc_description(body: str) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return body[:200].strip() or "no detail"
    if isinstance(parsed, Mapping) and isinstance(parsed.get("description"), str):
        return str(parsed["description"])
    return body[:200].strip() or "no detail"


def _page_size(settings: SourceSettings) -> int:
    value = settings.options.get("page_size", DEFAULT_PAGE_SIZE)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"source '{settings.name}': option page_size={value!r} must be a whole number >= 0"
        )
    return value
