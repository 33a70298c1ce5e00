"""Reference tourism upstream: Balikpapan attractions served the OGC API - Features (Part 1) way."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.demo.instrumented import instrumented_app
from kotahub.demo.request_values import quoted
from kotahub.demo.responses import JSON, app_base, cached_response, encode_json
from kotahub.demo.tourism_catalogue import BALIKPAPAN_BBOX, Attraction, Catalogue
from kotahub.demo.tourism_errors import (
    ApiError,
    api_error_handler,
    http_error_handler,
    not_found,
)
from kotahub.demo.tourism_photos import SVG, photo_svg
from kotahub.demo.tourism_query import ItemsQuery, parse_items_query

COLLECTION_ID = "attractions"
ITEMS_PATH = f"collections/{COLLECTION_ID}/items"
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)


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


class TourismEndpoints:
    """The HTTP handlers, sharing one loaded catalogue."""

    def __init__(self, catalogue: Catalogue, photo_base_url: str | None = None) -> None:
        self.catalogue = catalogue
        self.photo_base_url = photo_base_url

    def _photo_base(self, request: Request) -> str:
        """Where browsers reach the photos: the configured URL, else this server's own."""
        return self.photo_base_url or app_base(request)

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
            "features": [served_feature(a, self._photo_base(request)) for a in page],
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
                f"No attraction has the id {quoted(feature_id)}; the ids are "
                f"listed at {ITEMS_PATH}."
            )
        base = app_base(request)
        payload = served_feature(attraction, self._photo_base(request))
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
                f"No photo named {quoted(name + '.svg')} exists; photo paths are "
                "in each feature's 'image' property."
            )
        return cached_response(request, photo_svg(attraction), SVG)


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


def create_tourism_app(latency_ms: float = 0.0, photo_base_url: str | None = None) -> Starlette:
    """The tourism upstream; ``app.state.request_log`` records every request that reaches it.

    The data is read once, here. ``latency_ms`` > 0 delays every request by that much.
    ``photo_base_url`` is where browsers reach the photos when that differs from the
    address the hub uses (as inside docker-compose); it ends with ``/``.
    """
    endpoints = TourismEndpoints(Catalogue.load(), photo_base_url)
    handlers = {ApiError: api_error_handler, HTTPException: http_error_handler}
    inner = Starlette(routes=list(_routes(endpoints)), exception_handlers=handlers)
    return instrumented_app(inner, latency_ms)
