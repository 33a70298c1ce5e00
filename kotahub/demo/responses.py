"""Protocol-neutral HTTP helpers of the reference upstreams: base URL, JSON bytes, ETag caching."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

CACHE_CONTROL = "public, max-age=300"
JSON = "application/json"


def app_base(request: Request) -> str:
    """The absolute URL of the app root, ending in '/', honouring any mount prefix."""
    root = str(request.scope.get("root_path", "")).rstrip("/")
    return str(request.url.replace(path=root + "/", query="", fragment=""))


def encode_json(payload: Any) -> bytes:
    """Compact UTF-8 JSON, the same bytes for the same payload."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def cached_response(
    request: Request, body: bytes, media_type: str, cache_control: str = CACHE_CONTROL
) -> Response:
    """A cacheable response with a strong ETag of ``body``; 304 when If-None-Match matches."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:40]}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses weak comparison: ``W/"x"`` matches ``"x"``; ``*`` matches anything."""
    if header is None:
        return False
    tags = (tag.strip() for tag in header.split(","))
    return any(tag == "*" or tag.removeprefix("W/") == etag for tag in tags)
