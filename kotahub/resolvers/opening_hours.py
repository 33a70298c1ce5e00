"""Whether a place is open at a moment, from OpenStreetMap ``opening_hours`` text."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import opening_hours

from kotahub.resolvers.scope import RequestScope

log = logging.getLogger("kotahub.opening_hours")
# The package's type stubs do not declare ParserError, which it raises for bad syntax.
_PARSE_ERRORS: tuple[type[Exception], ...] = (
    SyntaxError,
    ValueError,
    getattr(opening_hours, "ParserError", SyntaxError),
)


@lru_cache(maxsize=4096)
def _parsed(expression: str) -> opening_hours.OpeningHours | None:
    try:
        return opening_hours.OpeningHours(expression)
    except _PARSE_ERRORS:
        log.info("opening hours not in OpenStreetMap syntax: %r", expression)
        return None


def is_open(expression: str | None, at: datetime, zone: ZoneInfo) -> bool | None:
    """Open at ``at`` in the place's own time zone; None when hours are unknown or unreadable."""
    if not expression:
        return None
    local = at.astimezone(zone).replace(tzinfo=None, second=0, microsecond=0)
    return _open_in_minute(expression, local)


@lru_cache(maxsize=8192)  # opening hours change by the minute; evaluating them is not cheap
def _open_in_minute(expression: str, minute: datetime) -> bool | None:
    parsed = _parsed(expression)
    return None if parsed is None else bool(parsed.is_open(minute))


def open_now(scope: RequestScope, hours: str | None) -> bool | None:
    """Open at the request's moment, in the city's time zone."""
    return is_open(hours, scope.now, scope.zone)
