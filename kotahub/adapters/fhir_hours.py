"""FHIR ``hoursOfOperation`` / ``availableTime`` as OpenStreetMap ``opening_hours`` text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FHIR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")


def osm_opening_hours(entries: Any) -> str | None:
    """One rule per distinct day set, e.g. ``Mo-Th 07:30-14:00; Fr 07:30-11:00``."""
    if not isinstance(entries, list):
        return None
    spans: dict[tuple[int, ...], list[str]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        days, span = _days(entry), _span(entry)
        if days and span:
            spans.setdefault(days, []).append(span)
    if not spans:
        return None
    if spans.get(tuple(range(7))) == ["00:00-24:00"] and len(spans) == 1:
        return "24/7"
    text, seen = "", set[int]()
    for days, times in sorted(spans.items()):
        # "; " would let a later rule replace an earlier one on shared days; ", " adds to it.
        separator = ", " if seen & set(days) else "; "
        text += (separator if text else "") + f"{_day_ranges(days)} {','.join(times)}"
        seen |= set(days)
    return text


def _days(entry: Mapping[str, Any]) -> tuple[int, ...]:
    if not isinstance(entry.get("daysOfWeek"), list):
        return ()
    return tuple(sorted({FHIR_DAYS.index(d) for d in entry["daysOfWeek"] if d in FHIR_DAYS}))


def _span(entry: Mapping[str, Any]) -> str | None:
    if entry.get("allDay") is True:
        return "00:00-24:00"
    opening, closing = _hhmm(entry.get("openingTime")), _hhmm(entry.get("closingTime"))
    return f"{opening}-{closing}" if opening and closing else None


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
