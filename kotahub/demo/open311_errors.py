"""GeoReport v2 errors: an array of ``{code, description}`` with the HTTP status, and handlers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kotahub.demo.request_values import quoted
from kotahub.demo.responses import app_base, encode_json

JSON_UTF8 = "application/json; charset=utf-8"
NO_STORE = "no-store"


class Open311Error(Exception):
    """A refused request: the HTTP status and one or more descriptions of what was wrong.

    The spec's error ``code`` in the body is the HTTP status (its "in most cases" advice).
    """

    def __init__(
        self,
        status: int,
        descriptions: str | Sequence[str],
        headers: Mapping[str, str] | None = None,
    ) -> None:
        found = [descriptions] if isinstance(descriptions, str) else list(descriptions)
        super().__init__("; ".join(found))
        self.status = status
        self.descriptions = found
        self.headers = dict(headers or {})


def bad_request(*descriptions: str) -> Open311Error:
    """A 400: the request cannot be fulfilled as sent."""
    return Open311Error(400, descriptions)


def not_found(description: str) -> Open311Error:
    """A 404: the resource (or the service_code / jurisdiction_id named) does not exist."""
    return Open311Error(404, description)


def forbidden(description: str) -> Open311Error:
    """A 403: missing or invalid api_key."""
    return Open311Error(403, description)


def error_response(error: Open311Error) -> Response:
    """The spec's JSON error array; never cached, since the same URL may work later."""
    body = encode_json([{"code": error.status, "description": d} for d in error.descriptions])
    headers = {"Cache-Control": NO_STORE, **error.headers}
    return Response(body, status_code=error.status, media_type=JSON_UTF8, headers=headers)


async def open311_error_handler(request: Request, exc: Exception) -> Response:
    """The response for an Open311Error raised by an endpoint."""
    assert isinstance(exc, Open311Error)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown path, wrong method) as GeoReport error arrays."""
    assert isinstance(exc, HTTPException)
    path = quoted(request.url.path)
    if exc.status_code == 404:
        description = (
            f"Nothing is served at {path}; this GeoReport v2 server answers services.json, "
            f"services/{{service_code}}.json, requests.json, requests/{{id}}.json and "
            f"tokens/{{token}}.json under {app_base(request)}."
        )
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "GET")
        description = f"{request.method} is not allowed on {path}; use {allowed}."
    else:
        description = f"{request.method} {path}: {exc.detail}"
    return error_response(Open311Error(exc.status_code, description, exc.headers))
