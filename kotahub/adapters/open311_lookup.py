"""Finding, among an Open311 server's requests, the one an interrupted post of ours made.

GeoReport v2 gives a client nothing to mark its request with that ``GET requests`` shows
again (``device_id`` and ``account_id`` are taken but never listed), and putting a marker in
the description would show it to every citizen who reads the complaint. So the request is
recognised by what was sent: the same service code, posted within the window, with the same
description and, when a location was sent, the same place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from kotahub.records import ComplaintSubmission

# The server's clock may differ from ours; a request made at ``since`` is listed within this.
CLOCK_SKEW = timedelta(minutes=10)
WINDOW = timedelta(days=90)  # the spec's largest date range for one GET requests
SAME_PLACE_DEGREES = 1e-5  # about a metre: we send six decimals, a server may keep fewer


def lookup_window(since: datetime, now: datetime | None = None) -> dict[str, str]:
    """``start_date`` and ``end_date`` around the time of the interrupted post until now."""
    end = (now or datetime.now(UTC)) + CLOCK_SKEW
    start = min(max(since - CLOCK_SKEW, end - WINDOW), end)  # ``since`` may be ahead of us
    return {"start_date": _w3c(start), "end_date": _w3c(end)}


def same_submission(item: Any, submission: ComplaintSubmission) -> bool:
    """Whether a listed request is the one this submission made."""
    if not isinstance(item, Mapping):
        return False
    if str(item.get("service_code")) != submission.category_code:
        return False
    if _words(item.get("description")) != _words(submission.description):
        return False
    if submission.lat is None or submission.lon is None:
        return True
    return _near(item.get("lat"), submission.lat) and _near(item.get("long"), submission.lon)


def _words(text: Any) -> str | None:
    return " ".join(text.split()) if isinstance(text, str) else None


def _near(listed: Any, sent: float) -> bool:
    try:
        value = float(listed)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and abs(value - sent) <= SAME_PLACE_DEGREES


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
