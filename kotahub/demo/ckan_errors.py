"""CKAN Action API error answers: the envelope, validation (409), not found (404), bad request."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from kotahub.demo.responses import JSON, app_base, encode_json


class ActionError(Exception):
    """An action failed: HTTP status and the envelope's ``error`` object."""

    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(str(error))
        self.status = status
        self.error = error


def validation_error(param: str, message: str) -> ActionError:
    """A 409 Validation Error naming ``param``, as CKAN reports invalid parameters."""
    return ActionError(409, {"__type": "Validation Error", param: [message]})


def not_found(message: str) -> ActionError:
    """A 404 Not Found Error; CKAN prefixes the message with ``Not found: ``."""
    return ActionError(404, {"__type": "Not Found Error", "message": f"Not found: {message}"})


def help_url(request: Request, action: str) -> str:
    """The ``help`` member: CKAN's help_show link for ``action``."""
    return f"{app_base(request)}api/3/action/help_show?name={action}"


def error_response(request: Request, action: str, exc: ActionError) -> Response:
    """``{"help", "success": false, "error"}`` with the error's status."""
    payload = {"help": help_url(request, action), "success": False, "error": exc.error}
    return Response(encode_json(payload), status_code=exc.status, media_type=JSON)


def bad_request(message: str) -> Response:
    """CKAN's 400 answer before any action runs: a bare JSON string ``Bad request - …``."""
    return Response(encode_json(f"Bad request - {message}"), status_code=400, media_type=JSON)
