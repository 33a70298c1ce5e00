"""The items query of the tourism upstream: limit, offset, bbox and filters, validated."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from kotahub.demo.request_values import finite, quoted
from kotahub.demo.tourism_catalogue import Attraction
from kotahub.demo.tourism_errors import invalid_parameter

DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
KNOWN_PARAMETERS = ("bbox", "category", "district", "limit", "offset")
_WHOLE_NUMBER = re.compile(r"[0-9]+")


@dataclass(frozen=True, slots=True)
class ItemsQuery:
    """The validated query of ``GET /collections/attractions/items``."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    category: str | None = None
    district: str | None = None

    def accepts(self, item: Attraction) -> bool:
        """Whether ``item`` passes every filter of this query."""
        if self.category is not None and self.category not in item.categories:
            return False
        if self.district is not None and self.district != item.district:
            return False
        if self.bbox is None:
            return True
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return min_lon <= item.lon <= max_lon and min_lat <= item.lat <= max_lat

    def parameters(self, offset: int) -> dict[str, str]:
        """Query parameters that repeat this query from ``offset``."""
        params = {"limit": str(self.limit), "offset": str(offset)}
        if self.bbox is not None:
            params["bbox"] = ",".join(str(value) for value in self.bbox)
        if self.category is not None:
            params["category"] = self.category
        if self.district is not None:
            params["district"] = self.district
        return params


def parse_items_query(pairs: Sequence[tuple[str, str]]) -> ItemsQuery:
    """Validates the items query parameters; raises ApiError (400) naming the bad parameter."""
    values = _single_values(pairs)
    return ItemsQuery(
        limit=_limit(values.get("limit")),
        offset=_offset(values.get("offset")),
        bbox=_bbox(values.get("bbox")),
        category=_text_filter("category", values.get("category")),
        district=_text_filter("district", values.get("district")),
    )


def _single_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    known = ", ".join(KNOWN_PARAMETERS)
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in KNOWN_PARAMETERS:
            raise invalid_parameter(
                f"Unknown query parameter {quoted(name)}. Known parameters: {known}."
            )
        if name in values:
            raise invalid_parameter(f"Parameter '{name}' was given more than once; give it once.")
        values[name] = value
    return values


def _whole_number(raw: str) -> int | None:
    if not _WHOLE_NUMBER.fullmatch(raw):
        return None
    return int(raw) if len(raw) <= 18 else 10**18


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    value = _whole_number(raw)
    if value is None or value < 1:
        raise invalid_parameter(
            f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT} "
            f"(larger values are reduced to {MAX_LIMIT}); got {quoted(raw)}."
        )
    return min(value, MAX_LIMIT)


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    value = _whole_number(raw)
    if value is None:
        raise invalid_parameter(
            f"Parameter 'offset' must be a whole number of 0 or more; got {quoted(raw)}."
        )
    return value


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    expected = "four comma-separated numbers minLon,minLat,maxLon,maxLat in WGS 84 degrees"
    numbers = [finite(part) for part in raw.split(",")]
    if len(numbers) != 4 or any(n is None for n in numbers):
        raise invalid_parameter(f"Parameter 'bbox' must be {expected}; got {quoted(raw)}.")
    min_lon, min_lat, max_lon, max_lat = (n for n in numbers if n is not None)
    problem = _bbox_problem(min_lon, min_lat, max_lon, max_lat)
    if problem:
        raise invalid_parameter(f"Parameter 'bbox' {problem}; got {quoted(raw)}.")
    return (min_lon, min_lat, max_lon, max_lat)


def _bbox_problem(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> str:
    if not all(-180 <= lon <= 180 for lon in (min_lon, max_lon)):
        return "needs longitudes from -180 to 180"
    if not all(-90 <= lat <= 90 for lat in (min_lat, max_lat)):
        return "needs latitudes from -90 to 90"
    if min_lon > max_lon or min_lat > max_lat:
        return "needs minLon <= maxLon and minLat <= maxLat"
    return ""


def _text_filter(name: str, raw: str | None) -> str | None:
    if raw is not None and not raw.strip():
        raise invalid_parameter(f"Parameter '{name}' must not be empty; got {quoted(raw)}.")
    return raw
