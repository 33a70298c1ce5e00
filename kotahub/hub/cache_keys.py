"""Cache keys for upstream answers: source, method and the normalized URL."""

from __future__ import annotations

import hashlib


def upstream_key(prefix: str, source: str, method: str, url: str) -> str:
    """``{prefix}:up:{source}:{METHOD}:{digest}``; the readable head lets one source be found.

    ``url`` should be normalized (``upstream_urls.normalized_url``) so that one request has
    one key however its parameters were written.
    """
    digest = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"{prefix}:up:{source}:{method.upper()}:{digest}"
