"""FHIR ``hoursOfOperation`` / ``availableTime`` as OpenStreetMap ``opening_hours`` text.

Hours are read whole or not at all: with one entry unreadable, the days it names would read
as closed, so the hours are unknown instead and the reason is told (``UnreadableHours``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kotahub.adapters.fhir_closures import UnreadableClosure, closures

FHIR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
# The names of the opening and closing times: Location.hoursOfOperation's, and
# HealthcareService.availableTime's.
LOCATION_TIMES = ("openingTime", "closingTime")
SERVICE_TIMES = ("availableStartTime", "availableEndTime")
# An end before its start is read as closing after midnight only from an afternoon or
# evening start to a morning end (a night pharmacy's 20:00-08:00); a morning start with an
# earlier end is a mistake, most often a 12-hour clock's afternoon (08:30-05:30).
OVERNIGHT_FROM, OVERNIGHT_UNTIL = "12:00", "12:00"


class UnreadableHours(ValueError):
    """Hours that are given but cannot be read; the message says which entry and why."""


def osm_opening_hours(
    entries: Any, not_available: Any = None, times: tuple[str, str] = LOCATION_TIMES
) -> str | None:
    """``read_hours``, with unreadable hours as unknown (None)."""
    try:
        return read_hours(entries, not_available, times)
    except UnreadableHours:
        return None


def read_hours(
    entries: Any, not_available: Any = None, times: tuple[str, str] = LOCATION_TIMES
) -> str | None:
    """One rule per distinct day set, e.g. ``Mo-Th 07:30-14:00; Fr 07:30-11:00``, then the
    periods ``not_available`` (HealthcareService.notAvailable) as ``off`` date rules; None
    when no hours are given. UnreadableHours when they are given but cannot all be read."""
    if entries is None:
        return None
    if not isinstance(entries, list):
        raise UnreadableHours(f"{times[0]}'s list is a {type(entries).__name__}, not a list")
    spans: dict[tuple[int, ...], list[str]] = {}
    for number, entry in enumerate(entries):
        days, span = _entry(entry, times, number)
        if span:
            spans.setdefault(days, []).append(span)
    if not spans:
        return None
    try:
        off = closures(not_available)
    except UnreadableClosure as exc:
        raise UnreadableHours(str(exc)) from exc
    return "; ".join([_weekly(spans), *off])


def _weekly(spans: dict[tuple[int, ...], list[str]]) -> str:
    if spans.get(tuple(range(7))) == ["00:00-24:00"] and len(spans) == 1:
        return "24/7"
    text, seen = "", set[int]()
    for days, found in sorted(spans.items()):
        # "; " would let a later rule replace an earlier one on shared days; ", " adds to it.
        separator = ", " if seen & set(days) else "; "
        text += (separator if text else "") + f"{_day_ranges(days)} {','.join(found)}"
        seen |= set(days)
    return text


def _entry(entry: Any, times: tuple[str, str], number: int) -> tuple[tuple[int, ...], str]:
    """The days of an entry and its span; an empty span for ``allDay: false`` without
    times, as some servers write a day that the place is closed."""
    where = f"entry {number + 1}"
    if not isinstance(entry, Mapping):
        raise UnreadableHours(f"{where} is not an object")
    days = _days(entry, where)
    if entry.get("allDay") is True:
        return days, "00:00-24:00"
    given = [entry.get(name) for name in times]
    if entry.get("allDay") is False and given == [None, None]:
        return days, ""
    opening, closing = _hhmm(given[0]), _hhmm(given[1])
    if opening is None or closing is None:
        raise UnreadableHours(f"{where} has no allDay and no {times[0]}-{times[1]} as hh:mm:ss")
    return days, _span(opening, closing, where)


def _days(entry: Mapping[str, Any], where: str) -> tuple[int, ...]:
    codes = entry.get("daysOfWeek")
    if not isinstance(codes, list) or not codes:
        raise UnreadableHours(f"{where} names no daysOfWeek")
    unknown = [code for code in codes if code not in FHIR_DAYS]
    if unknown:
        raise UnreadableHours(f"{where} has a day {unknown[0]!r}, not one of mon..sun")
    return tuple(sorted({FHIR_DAYS.index(code) for code in codes}))


def _span(opening: str, closing: str, where: str) -> str:
    if closing == "00:00":  # closes at midnight
        closing = "24:00"
    if closing > opening:
        return f"{opening}-{closing}"
    if opening >= OVERNIGHT_FROM and closing <= OVERNIGHT_UNTIL:
        return f"{opening}-{closing}"
    raise UnreadableHours(f"{where} ends ({closing}) before it starts ({opening})")


def _hhmm(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) < 5 or value[2] != ":":
        return None
    hours, minutes = value[:2], value[3:5]
    if not (hours.isdigit() and minutes.isdigit() and int(hours) < 24 and int(minutes) < 60):
        return None
    return "24:00" if value.startswith("23:59") else f"{hours}:{minutes}"


def _day_ranges(days: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        OSM_DAYS[run[0]] if len(run) == 1 else f"{OSM_DAYS[run[0]]}-{OSM_DAYS[run[-1]]}"
        for run in runs
    )
