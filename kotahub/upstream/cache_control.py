"""How long an upstream answer may be used, read from its ``Cache-Control`` header."""

from __future__ import annotations

import re
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"\s*([A-Za-z-]+)\s*(?:=\s*\"?([^\",]*)\"?)?\s*(?:,|$)")
# "private" answers are kept: the hub is the one client the upstream answered, a private
# cache in RFC 9111's terms, holding what its own credentials were given.
_NEVER = frozenset({"no-store", "no-cache"})
_NO_STALE = frozenset({"must-revalidate", "proxy-revalidate"})


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """Seconds an answer is fresh; then seconds it is served stale while one refresh runs,
    and seconds (counted from the same moment, never fewer) it is served only when the
    upstream fails (RFC 5861)."""

    fresh_seconds: float
    stale_seconds: float
    revalidate_seconds: float | None = None  # None: the whole stale window

    @property
    def serve_while_revalidating(self) -> float:
        return self.stale_seconds if self.revalidate_seconds is None else self.revalidate_seconds

    @property
    def cacheable(self) -> bool:
        return self.fresh_seconds > 0


def cache_policy(
    cache_control: str | None, default_seconds: float, default_stale_seconds: float
) -> CachePolicy:
    """``s-maxage`` or ``max-age`` when given, else the default; then the windows of
    ``stale-while-revalidate`` and ``stale-if-error`` when either is given, else the default
    for both, and none under ``must-revalidate``. ``no-store`` and ``no-cache`` answers are
    not kept at all."""
    if not cache_control:
        return CachePolicy(default_seconds, default_stale_seconds)
    directives = {name.lower(): value for name, value in _DIRECTIVE.findall(cache_control)}
    if _NEVER & directives.keys():
        return CachePolicy(0.0, 0.0)
    fresh = _first_seconds(directives, ("s-maxage", "max-age"))
    if _NO_STALE & directives.keys():
        return CachePolicy(default_seconds if fresh is None else fresh, 0.0, 0.0)
    revalidate = _first_seconds(directives, ("stale-while-revalidate",))
    on_error = _first_seconds(directives, ("stale-if-error",))
    if revalidate is None and on_error is None:
        revalidate = on_error = default_stale_seconds
    elif revalidate is None:
        revalidate = 0.0  # the upstream allows stale answers only when it fails
    return CachePolicy(
        default_seconds if fresh is None else fresh,
        max(revalidate, on_error or 0.0),
        revalidate,
    )


def _first_seconds(directives: dict[str, str], names: tuple[str, ...]) -> float | None:
    return next((s for n in names if (s := _seconds(directives.get(n))) is not None), None)


def _seconds(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
