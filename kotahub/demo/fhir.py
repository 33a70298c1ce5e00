"""Reference health upstream: Balikpapan health facilities served as a FHIR R4 REST server."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from kotahub.demo.fhir_auth import TOKEN_PATH, TokenAuthority
from kotahub.demo.fhir_outcome import (
    FHIR_JSON,
    FhirError,
    operation_outcome,
    outcome_response,
)
from kotahub.demo.fhir_params import PARAMETERS, includes_from, revincludes_to
from kotahub.demo.fhir_search import (
    PAGE_OFFSET,
    SearchQuery,
    SearchResult,
    parse_search,
    run_search,
)
from kotahub.demo.fhir_store import RESOURCE_TYPES, FhirStore, Resource, served
from kotahub.demo.instrumented import instrumented_app
from kotahub.demo.request_values import quoted
from kotahub.demo.responses import CACHE_CONTROL, app_base, cached_response, encode_json

FHIR_VERSION = "4.0.1"
DISTANCE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/location-distance"
SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def prefers_lenient(request: Request) -> bool:
    """Whether the request says ``Prefer: handling=lenient`` (RFC 7240; FHIR search)."""
    preferences = request.headers.get("prefer", "").replace(";", ",").split(",")
    return any(p.strip().lower().replace(" ", "") == "handling=lenient" for p in preferences)


def page_links(base: str, query: SearchQuery, total: int) -> list[dict[str, str]]:
    """``self``, ``first``, ``previous``, ``next`` and ``last`` links of a searchset page."""

    def url(offset: int) -> str:
        pairs = query.parameters(offset)
        return f"{base}{query.resource_type}?{urlencode(pairs, quote_via=quote, safe=':,/')}"

    links = [{"relation": "self", "url": url(query.offset)}]
    if query.count == 0:
        return links
    last = max(0, (total - 1) // query.count * query.count)
    links.append({"relation": "first", "url": url(0)})
    if query.offset > 0:
        previous = min(max(0, query.offset - query.count), last)
        links.append({"relation": "previous", "url": url(previous)})
    if query.offset + query.count < total:
        links.append({"relation": "next", "url": url(query.offset + query.count)})
    links.append({"relation": "last", "url": url(last)})
    return links


def searchset(base: str, query: SearchQuery, result: SearchResult, updated: str) -> Resource:
    """The Bundle of one search page: matches, then included resources, then any outcome."""
    entries = [_entry(base, r, "match", result.distances.get(r["id"])) for r in result.page]
    entries.extend(_entry(base, r, "include", None) for r in result.included)
    if query.ignored:
        entries.append(_ignored_outcome(query.ignored))
    bundle: Resource = {
        "resourceType": "Bundle",
        "meta": {"lastUpdated": updated},
        "type": "searchset",
        "total": result.total,
        "link": page_links(base, query, result.total),
    }
    if entries:  # FHIR JSON forbids empty arrays
        bundle["entry"] = entries
    return bundle


def _entry(base: str, resource: Resource, mode: str, km: float | None) -> dict[str, Any]:
    search: dict[str, Any] = {"mode": mode}
    if km is not None:
        distance = {"value": round(km, 3), "unit": "km"}
        distance |= {"system": "http://unitsofmeasure.org", "code": "km"}
        search["extension"] = [{"url": DISTANCE_EXTENSION, "valueDistance": distance}]
    return {
        "fullUrl": f"{base}{resource['resourceType']}/{resource['id']}",
        "resource": served(resource, base),
        "search": search,
    }


def _ignored_outcome(ignored: tuple[str, ...]) -> dict[str, Any]:
    names = ", ".join(quoted(name) for name in ignored)
    message = f"Ignored unsupported search parameters (Prefer: handling=lenient): {names}."
    outcome = operation_outcome("not-supported", message, severity="warning")
    return {
        "fullUrl": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, message)}",
        "resource": outcome,
        "search": {"mode": "outcome"},
    }


def capability_statement(base: str, updated: str, secured: bool) -> Resource:
    """The CapabilityStatement: what ``GET [base]/metadata`` answers."""
    rest: dict[str, Any] = {
        "mode": "server",
        "documentation": "Read and search only. Search results are sorted by id, or nearest "
        f"first with Location 'near'; page with _count (max 500) and {PAGE_OFFSET}.",
        "resource": [_resource_capability(rtype) for rtype in RESOURCE_TYPES],
    }
    if secured:
        rest["security"] = _security(base)
    return {
        "resourceType": "CapabilityStatement",
        "id": "kotahub-demo-fhir",
        "name": "KotaHubDemoFhirServer",
        "title": "KotaHub reference FHIR upstream - Balikpapan health facilities",
        "status": "active",
        "experimental": True,
        "date": updated[:10],
        "publisher": "KotaHub (sample data)",
        "kind": "instance",
        "software": {"name": "KotaHub reference FHIR upstream", "version": "0.1.0"},
        "implementation": {"description": "Balikpapan health facilities", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", "application/fhir+json"],
        "rest": [rest],
    }


def _resource_capability(resource_type: str) -> dict[str, Any]:
    params = [
        {
            "name": p.name,
            "definition": p.definition(resource_type),
            "type": p.type,
            "documentation": p.documentation,
        }
        for p in PARAMETERS[resource_type].values()
    ]
    capability: dict[str, Any] = {
        "type": resource_type,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "versioning": "no-version",
        "searchParam": params,
    }
    for name, values in (
        ("searchInclude", includes_from(resource_type)),
        ("searchRevInclude", revincludes_to(resource_type)),
    ):
        if values:
            capability[name] = values
    return capability


def _security(base: str) -> dict[str, Any]:
    token_url = f"{base}{TOKEN_PATH}"
    return {
        "extension": [
            {"url": SMART_OAUTH_URIS, "extension": [{"url": "token", "valueUri": token_url}]}
        ],
        "service": [
            {"coding": [{"system": SECURITY_SERVICE, "code": "OAuth", "display": "OAuth"}]}
        ],
        "description": "OAuth2 client credentials, as SATUSEHAT: POST "
        f"{token_url}?grant_type=client_credentials with a form body of client_id and "
        "client_secret, then send 'Authorization: Bearer <access_token>'.",
    }


def _resource_type(request: Request) -> str:
    resource_type = str(request.path_params["resource_type"])
    if resource_type not in RESOURCE_TYPES:
        raise FhirError(
            404,
            "not-supported",
            f"Resource type {quoted(resource_type)} is not served here; this server serves "
            f"{', '.join(RESOURCE_TYPES)} (see {app_base(request)}metadata).",
        )
    return resource_type


class FhirEndpoints:
    """The FHIR handlers, sharing one store; ``authority`` set means a bearer token is needed."""

    def __init__(self, store: FhirStore, authority: TokenAuthority | None) -> None:
        self.store = store
        self.authority = authority
        # Answers that needed a token are for that client only, not for shared caches.
        self.cache_control = CACHE_CONTROL if authority is None else "private, max-age=300"

    def _authorise(self, request: Request) -> None:
        if self.authority is not None:
            self.authority.authorise(request)

    async def metadata(self, request: Request) -> Response:
        statement = capability_statement(
            app_base(request), self.store.loaded_at, self.authority is not None
        )
        return cached_response(request, encode_json(statement), FHIR_JSON, CACHE_CONTROL)

    async def search(self, request: Request) -> Response:
        self._authorise(request)
        resource_type = _resource_type(request)
        base = app_base(request)
        lenient = prefers_lenient(request)
        pairs = request.query_params.multi_items()
        query = parse_search(resource_type, pairs, lenient=lenient, base=base)
        bundle = searchset(base, query, run_search(self.store, query), self.store.loaded_at)
        response = cached_response(request, encode_json(bundle), FHIR_JSON, self.cache_control)
        if lenient:
            response.headers["Preference-Applied"] = "handling=lenient"
        return response

    async def read(self, request: Request) -> Response:
        self._authorise(request)
        resource_type = _resource_type(request)
        resource_id = str(request.path_params["resource_id"])
        resource = self.store.get(resource_type, resource_id)
        if resource is None:
            raise FhirError(
                404,
                "not-found",
                f"{resource_type} with id {quoted(resource_id)} is not known to this server; "
                f"search {app_base(request)}{resource_type} to find ids.",
            )
        body = encode_json(served(resource, app_base(request)))
        return cached_response(request, body, FHIR_JSON, self.cache_control)


async def _fhir_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FhirError)
    return outcome_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = FhirError(
            404,
            "not-found",
            f"Nothing is served at {quoted(request.url.path)}; this FHIR server answers "
            f"{app_base(request)}metadata, [type] searches and [type]/[id] reads.",
        )
    elif exc.status_code == 405:
        error = FhirError(
            405,
            "not-supported",
            f"{request.method} is not supported on {quoted(request.url.path)}; this server "
            "only reads and searches (GET).",
            exc.headers,
        )
    else:
        description = f"{request.method} {request.url.path}: {exc.detail}"
        error = FhirError(exc.status_code, "processing", description, exc.headers)
    return outcome_response(error)


def _routes(endpoints: FhirEndpoints, authority: TokenAuthority) -> list[Route]:
    return [
        Route("/metadata", endpoints.metadata, methods=["GET"]),
        Route(f"/{TOKEN_PATH}", authority.token_endpoint, methods=["POST"]),
        Route("/{resource_type}", endpoints.search, methods=["GET"]),
        Route("/{resource_type}/{resource_id}", endpoints.read, methods=["GET"]),
    ]


def create_fhir_app(
    latency_ms: float = 0.0,
    require_token: bool = False,
    client_id: str = "kotahub-demo",
    client_secret: str = "demo-secret",
    token_lifetime_s: int = 3599,
) -> Starlette:
    """The FHIR upstream; ``app.state.request_log`` records every request that reaches it.

    The data is read once, here. ``latency_ms`` > 0 delays every request by that much.
    The token endpoint always works; with ``require_token`` every read and search needs a
    valid bearer token (``/metadata`` stays public, as SMART on FHIR expects).
    ``app.state.tokens_issued`` counts the tokens issued so far.
    """
    authority = TokenAuthority(client_id, client_secret, token_lifetime_s)
    endpoints = FhirEndpoints(FhirStore.load(), authority if require_token else None)
    handlers = {FhirError: _fhir_error, HTTPException: _http_error}
    inner = Starlette(routes=_routes(endpoints, authority), exception_handlers=handlers)
    app = instrumented_app(inner, latency_ms)
    app.state.tokens_issued = 0
    app.state.token_authority = authority

    def count_token(issued: int) -> None:
        app.state.tokens_issued = issued

    authority.on_issue = count_token
    return app
