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
    """Seconds an answer is fresh, then seconds it may still be served stale (RFC 5861)."""

    fresh_seconds: float
    stale_seconds: float

    @property
    def cacheable(self) -> bool:
        return self.fresh_seconds > 0


def cache_policy(
    cache_control: str | None, default_seconds: float, default_stale_seconds: float
) -> CachePolicy:
    """``s-maxage`` or ``max-age`` when given, else the default; the stale window from
    ``stale-while-revalidate`` / ``stale-if-error`` when given, else the default, and none
    under ``must-revalidate``. ``no-store`` and ``no-cache`` answers are not kept at all."""
    if not cache_control:
        return CachePolicy(default_seconds, default_stale_seconds)
    directives = {name.lower(): value for name, value in _DIRECTIVE.findall(cache_control)}
    if _NEVER & directives.keys():
        return CachePolicy(0.0, 0.0)
    fresh = _first_seconds(directives, ("s-maxage", "max-age"))
    stale = _largest_seconds(directives, ("stale-while-revalidate", "stale-if-error"))
    if _NO_STALE & directives.keys():
        stale = 0.0
    return CachePolicy(
        default_seconds if fresh is None else fresh,
        default_stale_seconds if stale is None else stale,
    )


def _first_seconds(directives: dict[str, str], names: tuple[str, ...]) -> float | None:
    return next((s for n in names if (s := _seconds(directives.get(n))) is not None), None)


def _largest_seconds(directives: dict[str, str], names: tuple[str, ...]) -> float | None:
    given = [s for n in names if (s := _seconds(directives.get(n))) is not None]
    return max(given) if given else None


def _seconds(value: str | None) -> float | None:
    if value is None or not value.strip().isdigit():
        return None
    return float(value.strip())
