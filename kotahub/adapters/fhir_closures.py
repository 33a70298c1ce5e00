"""HealthcareService ``notAvailable`` periods as OpenStreetMap ``opening_hours`` rules that
close dates (``2015 Dec 25-2015 Dec 26 off``).

Times are read as the server writes them, in its offset: the hub takes them to be the
city's own wall-clock time, as it does for opening hours.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# FHIR date and dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or a day with hh:mm[:ss[.sss]] and offset.
DATE_TIME = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"(?:Z|[+-]\d{2}:\d{2})?)?)?)?"
)
ONE_DAY = timedelta(days=1)


class UnreadableClosure(ValueError):
    """A notAvailable period that cannot be read; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Moment:
    """A day, and a time on it ("hh:mm"); None for a date without a time."""

    day: date
    time: str | None = None

    def key(self) -> tuple[date, str]:
        return (self.day, self.time or "00:00")


def closures(not_available: Any) -> list[str]:
    """An ``off`` rule for each period of ``not_available`` that has one (``during``); an
    entry with only a description closes nothing that could be written down."""
    if not_available is None:
        return []
    if not isinstance(not_available, list):
        raise UnreadableClosure("notAvailable is not a list")
    rules: list[str] = []
    for number, entry in enumerate(not_available):
        where = f"notAvailable {number + 1}"
        during = entry.get("during") if isinstance(entry, Mapping) else {}
        if during is None:
            continue
        if not isinstance(during, Mapping):
            raise UnreadableClosure(f"{where} has no period (during) that can be read")
        rules += _off(during, where)
    return rules


def _off(during: Mapping[str, Any], where: str) -> list[str]:
    start = _moment(during.get("start"), first=True)
    if start is None:
        raise UnreadableClosure(f"{where} has no start as a FHIR dateTime")
    if during.get("end") is None:  # ongoing
        return _from(start)
    end = _moment(during.get("end"), first=False)
    if end is None:
        raise UnreadableClosure(f"{where} has an end that is not a FHIR dateTime")
    if end.key() < start.key():
        raise UnreadableClosure(f"{where} ends before it starts")
    return _between(start, end)


def _from(start: Moment) -> list[str]:
    if start.time in (None, "00:00"):
        return [f"{_day(start.day)}+ off"]
    return [f"{_day(start.day)} {start.time}-24:00 off", f"{_day(start.day + ONE_DAY)}+ off"]


def _between(start: Moment, end: Moment) -> list[str]:
    """Whole days closed as one date range, a partial first and last day by their times."""
    first, last = start.day, end.day
    rules, tail = [], []
    if start.time not in (None, "00:00"):
        if first == last and end.time is not None:
            return [f"{_day(first)} {start.time}-{end.time} off"] if end.time > start.time else []
        rules.append(f"{_day(first)} {start.time}-24:00 off")
        first += ONE_DAY
    if end.time is not None:
        if end.time != "00:00":
            tail.append(f"{_day(last)} 00:00-{end.time} off")
        last -= ONE_DAY
    if first == last:
        rules.append(f"{_day(first)} off")
    elif first < last:
        rules.append(f"{_day(first)}-{_day(last)} off")
    return rules + tail


def _moment(value: Any, first: bool) -> Moment | None:
    """The moment a FHIR date or dateTime names; a year or month stands for its first day
    at a period's start and its last day at its end."""
    found = DATE_TIME.fullmatch(value) if isinstance(value, str) else None
    if found is None:
        return None
    year, month, day, time = found.groups()
    if time is not None and not (time[:2] < "24" and time[3:] < "60"):
        return None
    try:
        if day is not None:
            return Moment(date(int(year), int(month), int(day)), time)
        if month is not None:
            last = calendar.monthrange(int(year), int(month))[1]
            return Moment(date(int(year), int(month), 1 if first else last))
        return Moment(date(int(year), 1, 1) if first else date(int(year), 12, 31))
    except ValueError:  # no such day, or no such month
        return None


def _day(day: date) -> str:
    return f"{day.year} {MONTHS[day.month - 1]} {day.day:02d}"
