"""Query parameters of GET requests (filters, the 90-day window, paging) and jurisdiction_id."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kotahub.demo.open311_catalogue import STATUSES, Catalogue
from kotahub.demo.open311_errors import bad_request, not_found
from kotahub.demo.open311_time import W3C_EXAMPLE, WITA, parse_w3c
from kotahub.demo.request_values import quoted

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_IDS = 200
MAX_SPAN = timedelta(days=90)
"""The spec's default window and the longest start_date..end_date range it allows."""
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
Pairs = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class RequestsQuery:
    """The checked query of GET requests.

    With ``ids`` set every other filter is ignored, as the spec says, and so is paging.
    """

    start: datetime
    end: datetime
    ids: tuple[str, ...] | None = None
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def offset(self) -> int:
        """How many matches come before this page."""
        return (self.page - 1) * self.page_size

    def parameters(self, page: int) -> list[tuple[str, str]]:
        """Query parameters repeating this search at ``page``, its window made explicit."""
        params = [("start_date", self.start.isoformat()), ("end_date", self.end.isoformat())]
        if self.service_codes:
            params.append(("service_code", ",".join(self.service_codes)))
        if self.statuses:
            params.append(("status", ",".join(self.statuses)))
        return [*params, ("page", str(page)), ("page_size", str(self.page_size))]


def parse_requests_query(pairs: Pairs, catalogue: Catalogue, now: datetime) -> RequestsQuery:
    """Checks the parameters; raises a 400 naming the parameter and the bad value.

    Unknown parameters are ignored, as GeoReport clients often send extras (api_key...).
    """
    ids = listed(pairs, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise bad_request(f"service_request_id lists {len(ids)} ids; at most {MAX_IDS}.")
        return RequestsQuery(start=now, end=now, ids=tuple(dict.fromkeys(ids)))
    start, end = _window(single(pairs, "start_date"), single(pairs, "end_date"), now)
    return RequestsQuery(
        start=start,
        end=end,
        service_codes=_known("service_code", listed(pairs, "service_code"), catalogue.by_code),
        statuses=_known("status", listed(pairs, "status"), STATUSES),
        page=_whole("page", single(pairs, "page"), 1, None),
        page_size=_whole("page_size", single(pairs, "page_size"), 1, MAX_PAGE_SIZE),
    )


def check_jurisdiction(pairs: Pairs, jurisdiction_id: str) -> None:
    """A 404 when a jurisdiction_id other than this server's is asked for."""
    given = single(pairs, "jurisdiction_id")
    if given is not None and given != jurisdiction_id:
        raise not_found(
            f"jurisdiction_id {quoted(given)} was not found; this server serves only "
            f"{quoted(jurisdiction_id)} (the parameter may be left out)."
        )


def single(pairs: Pairs, name: str) -> str | None:
    """The one non-empty value of ``name``; a 400 when different values are given."""
    values = {value.strip() for key, value in pairs if key == name and value.strip()}
    if len(values) > 1:
        raise bad_request(f"Parameter {name!r} was given more than once; give it once.")
    return values.pop() if values else None


def listed(pairs: Pairs, name: str) -> list[str]:
    """The values of a comma-delimited parameter that may also be repeated, in order."""
    found = (part.strip() for key, value in pairs if key == name for part in value.split(","))
    return list(dict.fromkeys(part for part in found if part))


def _known(name: str, values: list[str], allowed: Collection[str]) -> tuple[str, ...]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise bad_request(
            f"Parameter {name!r} has {', '.join(quoted(v) for v in unknown)}, which is not "
            f"one of {', '.join(allowed)}."
        )
    return tuple(values)


def _whole(name: str, raw: str | None, minimum: int, maximum: int | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE if name == "page_size" else minimum
    value = int(raw) if _WHOLE_NUMBER.fullmatch(raw) else None
    if value is None or value < minimum or (maximum is not None and value > maximum):
        upper = f" to {maximum}" if maximum is not None else " or more"
        raise bad_request(
            f"Parameter {name!r} must be a whole number from {minimum}{upper}; got {quoted(raw)}."
        )
    return value


def _window(raw_start: str | None, raw_end: str | None, now: datetime) -> tuple[datetime, datetime]:
    start, end = _date("start_date", raw_start), _date("end_date", raw_end)
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        start = end - MAX_SPAN if end is not None else now
    end = end if end is not None else start + MAX_SPAN
    if end < start:
        raise bad_request(
            f"end_date {quoted(raw_end or '')} is before start_date {quoted(raw_start or '')}."
        )
    if end - start > MAX_SPAN:
        days = (end - start) / timedelta(days=1)
        raise bad_request(
            f"start_date {quoted(raw_start or '')} to end_date {quoted(raw_end or '')} spans "
            f"{days:.1f} days; the GeoReport v2 spec allows at most 90 days per query."
        )
    return start.astimezone(WITA), end.astimezone(WITA)


def _date(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    parsed = parse_w3c(raw)
    if parsed is None:
        raise bad_request(
            f"Parameter {name!r} must be a W3C date-time with a time zone, e.g. "
            f"{W3C_EXAMPLE} or 2025-01-15T00:00:00Z; got {quoted(raw)}."
        )
    return parsed
