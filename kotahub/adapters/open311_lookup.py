"""Finding, among an Open311 server's requests, the ones an interrupted post of ours made.

GeoReport v2 gives a client nothing to mark its request with that ``GET requests`` shows
again (``device_id`` and ``account_id`` are taken but never listed), and putting a marker in
the description would show it to every citizen who reads the complaint. So the request is
recognised by what was sent: the same service code and description, the same place (or
none), the same address and answers where the server lists them, requested while one of
the uncertain posts was under way. Another citizen's identical complaint can still look
the same; the hub therefore takes a single candidate no other complaint has claimed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from kotahub.adapters.open311_records import zoned_time
from kotahub.contract import UncertainPost
from kotahub.records import ComplaintSubmission

# The server's clock may differ from ours, and it may stamp a request a little after it came.
CLOCK_SKEW = timedelta(minutes=2)
WINDOW = timedelta(days=90)  # the spec's largest date range for one GET requests
SAME_PLACE_DEGREES = 1e-5  # about a metre: we send six decimals, a server may keep fewer


def lookup_window(posts: Sequence[UncertainPost]) -> dict[str, str]:
    """``start_date`` and ``end_date`` from the first post's start to the last one's end."""
    end = max(post.ended for post in posts) + CLOCK_SKEW
    start = max(min(post.began for post in posts) - CLOCK_SKEW, end - WINDOW)
    return {"start_date": _w3c(start), "end_date": _w3c(end)}


def same_submission(
    item: Any, submission: ComplaintSubmission, posts: Sequence[UncertainPost]
) -> bool:
    """Whether a listed request may be the one one of ``posts`` made of this submission."""
    if not isinstance(item, Mapping):
        return False
    if str(item.get("service_code")) != submission.category_code:
        return False
    if _words(item.get("description")) != _words(submission.description):
        return False
    return (
        _same_place(item, submission)
        and _same_answers(item.get("attributes"), submission.attributes)
        and _during(item.get("requested_datetime"), posts)
    )


def _same_place(item: Mapping[str, Any], submission: ComplaintSubmission) -> bool:
    """The same point, or none when none was sent; the same address where both have one
    (a server may geocode an address, or name the street of a point)."""
    address = _words(item.get("address"))
    if submission.address and address and address.casefold() != _folded(submission.address):
        return False
    if submission.lat is None or submission.lon is None:
        if submission.address:
            return True
        located = _number(item.get("lat")) is not None or _number(item.get("long")) is not None
        return not located and not address  # no server makes up a place out of nothing
    return _near(item.get("lat"), submission.lat) and _near(item.get("long"), submission.lon)


def _same_answers(listed: Any, sent: Mapping[str, str | list[str]]) -> bool:
    """The answers sent, where the server lists them (as ``{code: value}`` or as a list of
    ``{code, value}``); any other shape cannot be compared, so it does not match."""
    if listed is None:
        return True
    if isinstance(listed, list):
        pairs = [a for a in listed if isinstance(a, Mapping) and "code" in a]
        if len(pairs) != len(listed):
            return False
        listed = {str(a["code"]): a.get("value") for a in pairs}
    if not isinstance(listed, Mapping):
        return False
    return all(_answer(listed.get(code)) == _answer(value) for code, value in sent.items())


def _answer(value: Any) -> list[str] | None:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in values):
        return None
    return sorted(str(v).strip() for v in values)


def _during(listed: Any, posts: Sequence[UncertainPost]) -> bool:
    """Requested while one of the posts was under way, give or take CLOCK_SKEW; a server
    that leaves the time out is trusted to have kept to the window it was asked for."""
    if listed is None:
        return True
    moment = zoned_time(listed)
    if moment is None:
        return False
    return any(p.began - CLOCK_SKEW <= moment <= p.ended + CLOCK_SKEW for p in posts)


def _words(text: Any) -> str | None:
    return " ".join(text.split()) if isinstance(text, str) else None


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _number(listed: Any) -> float | None:
    try:
        value = float(listed)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _near(listed: Any, sent: float) -> bool:
    value = _number(listed)
    return value is not None and abs(value - sent) <= SAME_PLACE_DEGREES


def _w3c(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
