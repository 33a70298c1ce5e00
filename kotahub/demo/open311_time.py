"""W3C date-times for the Open311 upstream: strict parsing with a zone, output in WITA."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

WITA = timezone(timedelta(hours=8), "WITA")
"""Balikpapan's time zone (UTC+08:00); every date-time the server writes is in it."""
W3C_EXAMPLE = "2025-01-15T08:00:00+08:00"
_W3C = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})",
    re.ASCII,
)
_UNENCODED_PLUS = re.compile(r"(T[0-9:.]+) (\d{2}:\d{2})$", re.ASCII)


def w3c(epoch: int) -> str:
    """``epoch`` (seconds) as a W3C date-time in WITA, e.g. ``2025-01-15T08:00:00+08:00``."""
    return datetime.fromtimestamp(epoch, WITA).isoformat()


def parse_w3c(raw: str) -> datetime | None:
    """A W3C date-time with seconds optional and a zone required; None when it is not one.

    A space before the offset is read as ``+``: an unencoded ``+`` in a query string
    arrives as a space.
    """
    text = _UNENCODED_PLUS.sub(r"\1+\2", raw.strip())
    if not _W3C.fullmatch(text):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:  # shaped right but not a date, e.g. month 13
        return None
