"""Cache keys for upstream answers: source, method and the URL with its parameters sorted."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

ParamValue = str | int | float | bool


def normalized_url(url: str, params: Mapping[str, ParamValue] | None = None) -> str:
    """The URL with its own query and ``params`` merged, sorted and re-encoded."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs.extend((key, _text(value)) for key, value in (params or {}).items())
    query = urlencode(sorted(pairs))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", query, ""))


def upstream_key(prefix: str, source: str, method: str, url: str) -> str:
    """``{prefix}:up:{source}:{METHOD}:{digest}``; the readable head lets one source be found."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"{prefix}:up:{source}:{method.upper()}:{digest}"


def _text(value: ParamValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
