"""An upstream that answers badly in each way a real one might, for the error-path tests."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def not_json(request: Request) -> Response:
    return PlainTextResponse("<html>Bad gateway</html>", media_type="text/html")


async def not_a_collection(request: Request) -> Response:
    return JSONResponse({"type": "Feature", "properties": {}})


async def server_error(request: Request) -> Response:
    return JSONResponse({"code": "ServerError", "description": "database offline"}, status_code=500)


async def slow(request: Request) -> Response:
    await asyncio.sleep(5)
    return JSONResponse({"type": "FeatureCollection", "features": []})


async def odd_features(request: Request) -> Response:
    good = {
        "type": "Feature",
        "id": "good",
        "geometry": {"type": "Point", "coordinates": [116.9, -1.2]},
        "properties": {"name": "Good place", "future": {"x": 1}, "category": "beach"},
    }
    nameless: dict[str, Any] = {
        "type": "Feature",
        "id": "nameless",
        "geometry": None,
        "properties": {},
    }
    polygon = {
        "type": "Feature",
        "id": 7,
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[116.0, -1.0], [117.0, -1.0], [117.0, -2.0], [116.0, -2.0]]],
        },
        "properties": {
            "name": "Area",
            "description": "Hanya bahasa Indonesia",
            "ticketPrice": 5000,
        },
    }
    return JSONResponse(
        {"type": "FeatureCollection", "features": [good, "junk", nameless, polygon]}
    )


async def relative_pages(request: Request) -> Response:
    """Two pages whose next link is relative to the page, with no Cache-Control header."""
    page = int(request.query_params.get("page", "1"))
    feature = {
        "type": "Feature",
        "id": f"p{page}",
        "geometry": {"type": "Point", "coordinates": [116.9, -1.2]},
        "properties": {"name": f"Page {page} place"},
    }
    links = [{"rel": "next", "href": "items?page=2&secret_key=x"}] if page == 1 else []
    return JSONResponse({"type": "FeatureCollection", "features": [feature], "links": links})


async def fhir_outcome(request: Request) -> Response:
    """A FHIR server refusing a search, as strict servers do, with an OperationOutcome."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "not-supported",
                "diagnostics": "Search parameter '_revinclude' is not supported",
            }
        ],
    }
    return JSONResponse(outcome, status_code=400, media_type="application/fhir+json")


async def fhir_outcome_ok(request: Request) -> Response:
    """An OperationOutcome where a Bundle belongs, with HTTP 200."""
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "fatal", "code": "exception", "details": {"text": "index is rebuilding"}}
        ],
    }
    return JSONResponse(outcome, media_type="application/fhir+json")


def _searchset(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": list(entries)}


_CLINIC = {
    "resource": {
        "resourceType": "Location",
        "id": "c1",
        "status": "active",
        "name": "Klinik Sehat",
        "position": {"latitude": -1.25, "longitude": 116.85},
        "type": [
            {
                "coding": [
                    {"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "PC"}
                ]
            }
        ],
    },
    "search": {"mode": "match"},
}


def _outcome(severity: str, text: str) -> dict[str, Any]:
    resource = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": "processing", "diagnostics": text}],
    }
    return {"resource": resource, "search": {"mode": "outcome"}}


async def fhir_without_metadata(request: Request) -> Response:
    """A FHIR server whose CapabilityStatement fails but whose searches work."""
    if request.path_params["rest"].endswith("metadata"):
        return JSONResponse({"error": "boom"}, status_code=500)
    return JSONResponse(_searchset(_CLINIC), media_type="application/fhir+json")


async def fhir_with_outcome(request: Request) -> Response:
    """Searchsets carrying OperationOutcome entries: a warning, or an error."""
    severity = request.path_params["severity"]
    body = _searchset(_CLINIC, _outcome(severity, "results may be incomplete"))
    return JSONResponse(body, media_type="application/fhir+json")


async def ckan_refusal(request: Request) -> Response:
    """A CKAN answer that says success: false with HTTP 200, as some proxies leave it."""
    error = {"__type": "Authorization Error", "message": "Access denied: token expired"}
    return JSONResponse({"help": "", "success": False, "error": error})


async def moved(request: Request) -> Response:
    return Response(status_code=302, headers={"location": "https://elsewhere.example/items"})


def create_misbehaving_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/not-json{rest:path}", not_json),
            Route("/not-a-collection", not_a_collection),
            Route("/server-error{rest:path}", server_error),
            Route("/slow", slow),
            Route("/odd-features", odd_features),
            Route("/api/items", relative_pages),
            Route("/moved", moved),
            Route("/ckan-refusing/{rest:path}", ckan_refusal),
            Route("/fhir-refusing/{rest:path}", fhir_outcome),
            Route("/fhir-confused/{rest:path}", fhir_outcome_ok),
            Route("/fhir-nometa/{rest:path}", fhir_without_metadata),
            Route("/fhir-outcome-{severity}/{rest:path}", fhir_with_outcome),
        ]
    )
