"""How long an upstream answer may be cached, read from its ``Cache-Control`` header."""

from __future__ import annotations

import re

_DIRECTIVE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*\"?([^\",]*)\"?)?\s*(?:,|$)")
# "private" answers are kept: the hub is the one client the upstream answered, a private
# cache in RFC 9111's terms, holding what its own credentials were given.
_NEVER = frozenset({"no-store", "no-cache"})


def cache_ttl(cache_control: str | None, default_seconds: float) -> float:
    """Seconds to keep an answer: ``s-maxage`` or ``max-age`` when given, else the default.

    Zero means do not cache (``no-store``, ``no-cache`` or a zero max-age).
    """
    if not cache_control:
        return default_seconds
    directives = {name.lower(): value for name, value in _DIRECTIVE.findall(cache_control)}
    if _NEVER & directives.keys():
        return 0.0
    for name in ("s-maxage", "max-age"):
        seconds = _seconds(directives.get(name))
        if seconds is not None:
            return seconds
    return default_seconds


def _seconds(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
