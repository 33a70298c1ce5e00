"""FHIR hours as OpenStreetMap opening_hours: Location's and HealthcareService's times,
notAvailable periods, and hours that cannot be read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import opening_hours
import pytest

from kotahub.adapters.fhir_hours import (
    SERVICE_TIMES,
    UnreadableHours,
    osm_opening_hours,
    read_hours,
)

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _available(days: list[str], start: str, end: str) -> dict[str, Any]:
    return {"daysOfWeek": days, "availableStartTime": start, "availableEndTime": end}


def _closed(start: str | None, end: str | None = None, text: str = "closed") -> dict[str, Any]:
    during = {key: value for key, value in (("start", start), ("end", end)) if value}
    return {"description": text, "during": during}


def _open_at(hours: str, *moments: datetime) -> list[bool]:
    parsed = opening_hours.OpeningHours(hours)
    return [bool(parsed.is_open(moment)) for moment in moments]


def test_service_hours_are_read_from_available_start_and_end_times() -> None:
    entries = [_available(WEEKDAYS, "08:00:00", "16:00:00"), _available(["sat"], "08:00", "12:00")]
    assert read_hours(entries, None, SERVICE_TIMES) == "Mo-Fr 08:00-16:00; Sa 08:00-12:00"
    # Location's names are not HealthcareService's: a service never has openingTime.
    assert osm_opening_hours(entries) is None


def test_the_published_example_ending_before_it_starts_is_unreadable() -> None:
    entries = [
        {"daysOfWeek": ["wed"], "allDay": True},
        _available(["mon", "tue", "wed", "thu"], "08:30:00", "05:30:00"),
        _available(["sat", "fri"], "09:30:00", "04:30:00"),
    ]
    with pytest.raises(UnreadableHours, match=r"entry 2 ends \(05:30\) before it starts"):
        read_hours(entries, None, SERVICE_TIMES)
    # Unknown rather than partly read: Monday would otherwise read as closed.
    assert osm_opening_hours(entries, None, SERVICE_TIMES) is None


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("20:00:00", "08:00:00", "Sa 20:00-08:00"),  # a night pharmacy
        ("22:00:00", "00:00:00", "Sa 22:00-24:00"),  # closes at midnight
        ("00:00:00", "00:00:00", "Sa 00:00-24:00"),
        ("08:00:00", "07:59:00", None),  # a morning start with an earlier end
        ("13:00:00", "14:00:00", "Sa 13:00-14:00"),
        ("13:00:00", "13:00:00", None),
        ("14:00:00", "13:00:00", None),  # an afternoon start, an afternoon end before it
    ],
)
def test_an_end_before_the_start_is_overnight_only_from_evening_to_morning(
    start: str, end: str, expected: str | None
) -> None:
    assert osm_opening_hours([_available(["sat"], start, end)], None, SERVICE_TIMES) == expected


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"daysOfWeek": ["mon"], "availableStartTime": "08:00:00"}, "no allDay and no"),
        ({"daysOfWeek": ["Monday"], "allDay": True}, "a day 'Monday'"),
        ({"allDay": True}, "names no daysOfWeek"),
        ({"daysOfWeek": ["mon"], "allDay": 1}, "no allDay"),
        ("mon 08:00-16:00", "is not an object"),
    ],
)
def test_an_entry_that_cannot_be_read_makes_the_hours_unknown(entry: Any, problem: str) -> None:
    entries = [_available(WEEKDAYS, "08:00:00", "16:00:00"), entry]
    with pytest.raises(UnreadableHours, match=problem):
        read_hours(entries, None, SERVICE_TIMES)


def test_all_day_false_without_times_is_a_closed_day() -> None:
    entries = [
        _available(WEEKDAYS, "08:00:00", "16:00:00"),
        {"daysOfWeek": ["sun"], "allDay": False},
    ]
    assert read_hours(entries, None, SERVICE_TIMES) == "Mo-Fr 08:00-16:00"


def test_not_available_dates_close_the_service() -> None:
    entries = [_available(WEEKDAYS, "09:00:00", "16:30:00")]
    closed = [
        _closed("2026-12-25", "2026-12-26", "Christmas/Boxing Day"),
        _closed("2027-01-01", "2027-01-01", "New Years Day"),
        {"description": "Reduced capacity in school holidays"},  # nothing to write down
    ]
    hours = read_hours(entries, closed, SERVICE_TIMES)
    assert hours == "Mo-Fr 09:00-16:30; 2026 Dec 25-2026 Dec 26 off; 2027 Jan 01 off"
    assert _open_at(
        hours,
        datetime(2026, 12, 24, 10),  # Thursday before
        datetime(2026, 12, 25, 10),
        datetime(2027, 1, 1, 10),
        datetime(2027, 1, 4, 10),  # the Monday after
    ) == [True, False, False, True]


def test_not_available_times_close_part_of_a_day() -> None:
    entries = [_available(WEEKDAYS, "08:00:00", "18:00:00")]
    closed = [
        _closed("2026-03-04T12:00:00+08:00", "2026-03-04T14:00:00+08:00"),  # Wednesday
        _closed("2026-03-05T15:00:00Z", "2026-03-09T10:00:00Z"),  # Thursday to Monday
    ]
    hours = read_hours(entries, closed, SERVICE_TIMES)
    assert hours == (
        "Mo-Fr 08:00-18:00; 2026 Mar 04 12:00-14:00 off; "
        "2026 Mar 05 15:00-24:00 off; 2026 Mar 06-2026 Mar 08 off; 2026 Mar 09 00:00-10:00 off"
    )
    assert _open_at(
        hours,
        datetime(2026, 3, 4, 10),
        datetime(2026, 3, 4, 13),
        datetime(2026, 3, 5, 14),
        datetime(2026, 3, 6, 10),
        datetime(2026, 3, 9, 9),
        datetime(2026, 3, 9, 11),
    ) == [True, False, True, False, False, True]


def test_an_ongoing_or_coarse_period_closes_from_its_start() -> None:
    entries = [{"daysOfWeek": WEEKDAYS, "allDay": True}]
    ongoing = read_hours(entries, [_closed("2027-01-01")], SERVICE_TIMES)
    assert ongoing == "Mo-Fr 00:00-24:00; 2027 Jan 01+ off"
    assert _open_at(ongoing, datetime(2026, 12, 31, 10), datetime(2031, 6, 2, 10)) == [True, False]
    month = read_hours(entries, [_closed("2027-02", "2027-02")], SERVICE_TIMES)
    assert month == "Mo-Fr 00:00-24:00; 2027 Feb 01-2027 Feb 28 off"


@pytest.mark.parametrize(
    ("period", "problem"),
    [
        (_closed("2026-12-26", "2026-12-25"), "ends before it starts"),
        (_closed(None, "2026-12-25"), "has no start"),
        (_closed("25/12/2026"), "has no start"),
        (_closed("2026-02-30"), "has no start"),
        ({"during": "2026-12-25"}, "no period"),
    ],
)
def test_a_period_that_cannot_be_read_makes_the_hours_unknown(
    period: dict[str, Any], problem: str
) -> None:
    entries = [_available(WEEKDAYS, "08:00:00", "16:00:00")]
    with pytest.raises(UnreadableHours, match=problem):
        read_hours(entries, [period], SERVICE_TIMES)
    assert osm_opening_hours(entries, [period], SERVICE_TIMES) is None


def test_no_hours_given_are_unknown_without_a_problem() -> None:
    assert read_hours(None, [_closed("2026-12-25")], SERVICE_TIMES) is None
    assert read_hours([], None, SERVICE_TIMES) is None
