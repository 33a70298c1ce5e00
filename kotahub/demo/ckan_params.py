"""Reading CKAN action parameters: GET query or POST JSON body, integers, text and JSON values."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from kotahub.demo.ckan_errors import validation_error
from kotahub.demo.request_values import quoted

Params = dict[str, Any]


class BadRequestData(ValueError):
    """The request data is not a JSON object; CKAN answers 400 before running the action."""


async def request_params(request: Request) -> Params:
    """GET query parameters (last value wins) or the POST body's JSON object."""
    if request.method == "GET":
        return dict(request.query_params)
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BadRequestData(f"JSON Error: {exc}") from exc
    if not isinstance(data, dict):
        raise BadRequestData(
            f"Bad request data: Request data JSON decoded to {data!r} but it needs to be a "
            "dictionary."
        )
    return data


def natural(params: Params, name: str, default: int, maximum: int) -> int:
    """A whole number ≥ 0 (default when absent), capped at ``maximum`` as CKAN caps it."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise validation_error(name, f"Invalid integer: expected a whole number, got {raw!r}")
    try:
        value = int(raw)
    except ValueError:
        raise validation_error(
            name, f"Invalid integer: {quoted(str(raw))} is not a whole number"
        ) from None
    if value < 0:
        raise validation_error(name, f"Must be a natural number: expected 0 or more, got {value}")
    return min(value, maximum)


def text(params: Params, name: str) -> str | None:
    """A string parameter, or None when absent or empty; a non-string is a validation error."""
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise validation_error(name, f"Must be a string, got {type(raw).__name__} {raw!r}")
    return raw


def json_value(params: Params, name: str) -> Any:
    """A parameter that is JSON: given as a JSON string (GET) or as the value itself (POST)."""
    raw = params.get(name)
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        raise validation_error(
            name, f"Cannot parse JSON: {quoted(raw)} is not valid JSON; expected a JSON object"
        ) from None
