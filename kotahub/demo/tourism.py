"""Reference tourism upstream: Balikpapan attractions served the OGC API - Features (Part 1) way."""

from __future__ import annotations

import hashlib
import json
import math
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from kotahub.demo.latency import ArtificialLatency
from kotahub.demo.request_log import RequestLog

DATA_FILE = Path(__file__).parent / "data" / "attractions.json"
COLLECTION_ID = "attractions"
ITEMS_PATH = f"collections/{COLLECTION_ID}/items"
BALIKPAPAN_BBOX = (116.80, -1.30, 117.10, -1.05)
DISTRICTS = frozenset(
    f"Balikpapan {part}" for part in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")
)
CATEGORIES = frozenset(
    {"beach", "nature", "wildlife", "park", "museum", "heritage", "religious", "culinary"}
    | {"shopping", "landmark", "recreation"}
)
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
KNOWN_PARAMETERS = ("bbox", "category", "district", "limit", "offset")
CACHE_CONTROL = "public, max-age=300"
GEOJSON = "application/geo+json"
JSON = "application/json"
SVG = "image/svg+xml"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)
_PHOTO_PATH = re.compile(r"photos/([a-z0-9][a-z0-9-]*)\.svg")
_WHOLE_NUMBER = re.compile(r"[0-9]+")
_CATEGORY_COLOURS = {
    "beach": "#1f78b4",
    "nature": "#2e7d32",
    "wildlife": "#6d4c41",
    "park": "#558b2f",
    "religious": "#6a1b9a",
    "heritage": "#8d6e63",
    "museum": "#5d4037",
    "shopping": "#c62828",
    "culinary": "#ef6c00",
}


class ApiError(Exception):
    """An OGC-style error response: HTTP status, exception code and a readable description."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.code = code
        self.description = description


def invalid_parameter(description: str) -> ApiError:
    """A 400 InvalidParameterValue error."""
    return ApiError(400, "InvalidParameterValue", description)


def not_found(description: str) -> ApiError:
    """A 404 NotFound error."""
    return ApiError(404, "NotFound", description)


@dataclass(frozen=True, slots=True)
class Attraction:
    """One feature of the collection, with the fields the filters need pulled out."""

    id: str
    name: str
    district: str
    categories: frozenset[str]
    lon: float
    lat: float
    photos: tuple[str, ...]
    feature: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every attraction sorted by id, loaded once; ``loaded_at`` is the responses' timeStamp."""

    attractions: tuple[Attraction, ...]
    loaded_at: str
    by_id: dict[str, Attraction] = field(init=False)
    by_photo: dict[str, Attraction] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {a.id: a for a in self.attractions})
        photos = {name: a for a in self.attractions for name in a.photos}
        object.__setattr__(self, "by_photo", photos)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Catalogue:
        """Reads and checks the FeatureCollection at ``path``; raises ValueError if unusable."""
        document = json.loads(path.read_text(encoding="utf-8"))
        attractions = sorted((attraction_of(f) for f in document["features"]), key=_by_id)
        ids = [a.id for a in attractions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"{path}: duplicate feature ids {duplicates}")
        stamp = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(attractions=tuple(attractions), loaded_at=stamp)


def _by_id(attraction: Attraction) -> str:
    return attraction.id


def attraction_of(feature: dict[str, Any]) -> Attraction:
    """The Attraction for one stored feature; raises ValueError naming what is wrong."""
    fid = feature["id"]
    props = feature["properties"]
    district = props["address"]["district"]
    categories = frozenset(props["category"])
    if district not in DISTRICTS:
        raise ValueError(f"feature {fid!r}: district {district!r} is not a Balikpapan kecamatan")
    if not categories or not categories <= CATEGORIES:
        raise ValueError(f"feature {fid!r}: categories {sorted(categories)} not all known")
    photos = tuple(_photo_name(fid, path) for path in props["image"])
    lon, lat = feature["geometry"]["coordinates"]
    return Attraction(fid, props["name"], district, categories, lon, lat, photos, feature)


def _photo_name(fid: str, path: str) -> str:
    match = _PHOTO_PATH.fullmatch(path)
    if match is None:
        raise ValueError(f"feature {fid!r}: image {path!r} is not 'photos/<name>.svg'")
    return match.group(1)


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


def _quoted(raw: str) -> str:
    return repr(raw if len(raw) <= 80 else raw[:77] + "...")


def _single_values(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    known = ", ".join(KNOWN_PARAMETERS)
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in KNOWN_PARAMETERS:
            raise invalid_parameter(
                f"Unknown query parameter {_quoted(name)}. Known parameters: {known}."
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
            f"(larger values are reduced to {MAX_LIMIT}); got {_quoted(raw)}."
        )
    return min(value, MAX_LIMIT)


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    value = _whole_number(raw)
    if value is None:
        raise invalid_parameter(
            f"Parameter 'offset' must be a whole number of 0 or more; got {_quoted(raw)}."
        )
    return value


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    expected = "four comma-separated numbers minLon,minLat,maxLon,maxLat in WGS 84 degrees"
    numbers = [_finite(part) for part in raw.split(",")]
    if len(numbers) != 4 or any(n is None for n in numbers):
        raise invalid_parameter(f"Parameter 'bbox' must be {expected}; got {_quoted(raw)}.")
    min_lon, min_lat, max_lon, max_lat = (n for n in numbers if n is not None)
    problem = _bbox_problem(min_lon, min_lat, max_lon, max_lat)
    if problem:
        raise invalid_parameter(f"Parameter 'bbox' {problem}; got {_quoted(raw)}.")
    return (min_lon, min_lat, max_lon, max_lat)


def _finite(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


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
        raise invalid_parameter(f"Parameter '{name}' must not be empty; got {_quoted(raw)}.")
    return raw


def app_base(request: Request) -> str:
    """The absolute URL of the app root, ending in '/', honouring any mount prefix."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return str(request.url.replace(path=root + "/", query="", fragment=""))


def served_feature(attraction: Attraction, base: str) -> dict[str, Any]:
    """The stored feature with its photo paths made absolute URLs under this server."""
    props = dict(attraction.feature["properties"])
    props["image"] = [f"{base}{path}" for path in props["image"]]
    return {**attraction.feature, "properties": props}


def link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    """An OGC API link object."""
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def page_links(base: str, query: ItemsQuery, matched: int) -> list[dict[str, str]]:
    """``self``, ``collection`` and, where they exist, ``next`` and ``prev`` links of a page."""

    def page(offset: int) -> str:
        return f"{base}{ITEMS_PATH}?{urlencode(query.parameters(offset))}"

    links = [
        link(page(query.offset), "self", GEOJSON, "This page of attractions"),
        link(f"{base}collections/{COLLECTION_ID}", "collection", JSON, "The collection"),
    ]
    if query.offset + query.limit < matched:
        links.append(link(page(query.offset + query.limit), "next", GEOJSON, "Next page"))
    if query.offset > 0:
        previous = max(0, query.offset - query.limit)
        links.append(link(page(previous), "prev", GEOJSON, "Previous page"))
    return links


def encode_json(payload: Any) -> bytes:
    """Compact UTF-8 JSON, the same bytes for the same payload."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def cached_response(request: Request, body: bytes, media_type: str) -> Response:
    """A cacheable response with a strong ETag of ``body``; 304 when If-None-Match matches."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison: ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if header is None:
        return False
    tags = (tag.strip() for tag in header.split(","))
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)


def error_response(status: int, code: str, description: str) -> Response:
    """The JSON body OGC API servers use for exceptions."""
    payload = {"code": code, "description": description}
    return Response(encode_json(payload), status_code=status, media_type=JSON)


def photo_svg(attraction: Attraction) -> bytes:
    """A generated placeholder picture naming the attraction and its kecamatan."""
    colour = next(
        (_CATEGORY_COLOURS[c] for c in sorted(attraction.categories) if c in _CATEGORY_COLOURS),
        "#37474f",
    )
    lines = textwrap.wrap(attraction.name, 26)[:3]
    top = 200 - 22 * len(lines)
    texts = "".join(
        f'<text x="320" y="{top + 44 * i}" font-size="34">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    name = escape(attraction.name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" '
        f'viewBox="0 0 640 400" role="img" aria-label="{name}"><title>{name}</title>'
        f'<rect width="640" height="400" fill="{colour}"/>'
        '<circle cx="560" cy="70" r="40" fill="#ffffff" fill-opacity="0.25"/>'
        '<path d="M0 330 L160 250 L300 320 L450 230 L640 320 L640 400 L0 400 Z" '
        'fill="#000000" fill-opacity="0.2"/>'
        '<g fill="#ffffff" font-family="sans-serif" text-anchor="middle">'
        f'{texts}<text x="320" y="{top + 44 * len(lines) + 10}" font-size="20">'
        f"{escape(attraction.district)}</text>"
        '<text x="320" y="380" font-size="14" fill-opacity="0.8">'
        "Foto ilustrasi / placeholder image - KotaHub sample data</text></g></svg>"
    ).encode()


class TourismEndpoints:
    """The HTTP handlers, sharing one loaded catalogue."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    async def landing(self, request: Request) -> Response:
        base = app_base(request)
        payload = {
            "title": "KotaHub reference tourism upstream - Balikpapan",
            "description": "Attractions of Balikpapan, Kalimantan Timur, as GeoJSON "
            "(OGC API - Features Part 1). Sample data for KotaHub.",
            "links": [
                link(base, "self", JSON, "This document"),
                link(f"{base}conformance", "conformance", JSON, "Conformance classes"),
                link(f"{base}collections", "data", JSON, "The feature collections"),
            ],
        }
        return cached_response(request, encode_json(payload), JSON)

    async def conformance(self, request: Request) -> Response:
        payload = {"conformsTo": list(CONFORMANCE)}
        return cached_response(request, encode_json(payload), JSON)

    async def collections(self, request: Request) -> Response:
        base = app_base(request)
        payload = {
            "links": [link(f"{base}collections", "self", JSON, "The feature collections")],
            "collections": [self._collection(base)],
        }
        return cached_response(request, encode_json(payload), JSON)

    async def collection(self, request: Request) -> Response:
        return cached_response(request, encode_json(self._collection(app_base(request))), JSON)

    def _collection(self, base: str) -> dict[str, Any]:
        return {
            "id": COLLECTION_ID,
            "title": "Tempat wisata Balikpapan / Balikpapan attractions",
            "description": "Beaches, nature, heritage, religious and other attractions in the "
            "six kecamatan of Balikpapan (sample data).",
            "extent": {"spatial": {"bbox": [list(BALIKPAPAN_BBOX)], "crs": CRS84}},
            "itemType": "feature",
            "crs": [CRS84],
            "links": [
                link(f"{base}collections/{COLLECTION_ID}", "self", JSON, "This collection"),
                link(f"{base}{ITEMS_PATH}", "items", GEOJSON, "The attractions"),
            ],
        }

    async def items(self, request: Request) -> Response:
        query = parse_items_query(request.query_params.multi_items())
        matched = [a for a in self.catalogue.attractions if query.accepts(a)]
        page = matched[query.offset : query.offset + query.limit]
        base = app_base(request)
        payload = {
            "type": "FeatureCollection",
            "features": [served_feature(a, base) for a in page],
            "numberMatched": len(matched),
            "numberReturned": len(page),
            "timeStamp": self.catalogue.loaded_at,
            "links": page_links(base, query, len(matched)),
        }
        return cached_response(request, encode_json(payload), GEOJSON)

    async def item(self, request: Request) -> Response:
        feature_id = request.path_params["feature_id"]
        attraction = self.catalogue.by_id.get(feature_id)
        if attraction is None:
            raise not_found(
                f"No attraction has the id {_quoted(feature_id)}; the ids are "
                f"listed at {ITEMS_PATH}."
            )
        base = app_base(request)
        payload = served_feature(attraction, base)
        payload["links"] = [
            link(f"{base}{ITEMS_PATH}/{attraction.id}", "self", GEOJSON, attraction.name),
            link(f"{base}collections/{COLLECTION_ID}", "collection", JSON, "The collection"),
        ]
        return cached_response(request, encode_json(payload), GEOJSON)

    async def photo(self, request: Request) -> Response:
        name = request.path_params["name"]
        attraction = self.catalogue.by_photo.get(name)
        if attraction is None:
            raise not_found(
                f"No photo named {_quoted(name + '.svg')} exists; photo paths are "
                "in each feature's 'image' property."
            )
        return cached_response(request, photo_svg(attraction), SVG)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.description)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(
            404,
            "NotFound",
            f"Nothing is served at {_quoted(request.url.path)};"
            f" start at the landing page {app_base(request)}.",
        )
    description = f"{request.method} {request.url.path}: {exc.detail}"
    response = error_response(exc.status_code, "InvalidRequest", description)
    response.headers.update(exc.headers or {})
    return response


def _routes(endpoints: TourismEndpoints) -> Iterable[Route]:
    items = f"/{ITEMS_PATH}"
    return (
        Route("/", endpoints.landing, methods=["GET"]),
        Route("/conformance", endpoints.conformance, methods=["GET"]),
        Route("/collections", endpoints.collections, methods=["GET"]),
        Route(f"/collections/{COLLECTION_ID}", endpoints.collection, methods=["GET"]),
        Route(items, endpoints.items, methods=["GET"]),
        Route(items + "/{feature_id}", endpoints.item, methods=["GET"]),
        Route("/photos/{name}.svg", endpoints.photo, methods=["GET"]),
    )


def create_tourism_app(latency_ms: float = 0.0) -> Starlette:
    """The tourism upstream; ``app.state.request_log`` records every request that reaches it.

    The data is read once, here. ``latency_ms`` > 0 delays every request by that much.
    """
    endpoints = TourismEndpoints(Catalogue.load())
    handlers = {ApiError: _api_error, HTTPException: _http_error}
    inner: ASGIApp = Starlette(routes=list(_routes(endpoints)), exception_handlers=handlers)
    if latency_ms:
        inner = ArtificialLatency(inner, latency_ms)
    request_log = RequestLog(inner)
    app = Starlette(routes=[Mount("", app=request_log)])
    app.state.request_log = request_log
    return app
