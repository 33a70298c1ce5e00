"""OGC-style error responses of the tourism upstream, and the app's exception handlers."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from kotahub.demo.request_values import quoted
from kotahub.demo.responses import JSON, app_base, encode_json


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


def error_response(status: int, code: str, description: str) -> Response:
    """The JSON body OGC API servers use for exceptions."""
    payload = {"code": code, "description": description}
    return Response(encode_json(payload), status_code=status, media_type=JSON)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    """The response for an ApiError raised by an endpoint."""
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.description)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Starlette's own HTTP errors (unknown path, wrong method) in the OGC error shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(
            404,
            "NotFound",
            f"Nothing is served at {quoted(request.url.path)};"
            f" start at the landing page {app_base(request)}.",
        )
    description = f"{request.method} {request.url.path}: {exc.detail}"
    response = error_response(exc.status_code, "InvalidRequest", description)
    response.headers.update(exc.headers or {})
    return response
