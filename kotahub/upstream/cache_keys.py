"""Cache keys for upstream answers: source, method and the normalized URL."""

from __future__ import annotations

import hashlib


def upstream_key(prefix: str, source: str, generation: int, method: str, url: str) -> str:
    """``{prefix}:up:{source}:g{generation}:{METHOD}:{digest}``; moving a source to its next
    generation leaves all its old entries behind (see cache_generations).

    ``url`` should be normalized (``upstream_urls.normalized_url``) so that one request has
    one key however its parameters were written.
    """
    digest = hashlib.sha256(url.encode()).hexdigest()[:40]
    return f"{prefix}:up:{source}:g{generation}:{method.upper()}:{digest}"
