"""isOpenNow is computed in the city's own time zone (WITA, UTC+8)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kotahub.resolvers.opening_hours import is_open

WITA = ZoneInfo("Asia/Makassar")


@pytest.mark.parametrize(
    ("hours", "utc", "expected"),
    [
        ("Mo-Su 07:00-18:00", datetime(2026, 11, 28, 0, 30, tzinfo=UTC), True),  # 08:30 WITA
        ("Mo-Su 07:00-18:00", datetime(2026, 11, 28, 10, 30, tzinfo=UTC), False),  # 18:30 WITA
        ("Mo-Su 07:00-18:00", datetime(2026, 11, 27, 22, 30, tzinfo=UTC), False),  # 06:30 WITA
        ("Tu-Su 08:00-16:00; Mo off", datetime(2026, 11, 30, 2, 0, tzinfo=UTC), False),  # Monday
        ("24/7", datetime(2026, 11, 28, 19, 0, tzinfo=UTC), True),
    ],
)
def test_open_in_city_time(hours: str, utc: datetime, expected: bool) -> None:
    assert is_open(hours, utc, WITA) is expected


def test_unknown_or_unreadable_hours_are_null() -> None:
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert is_open(None, now, WITA) is None
    assert is_open("whenever the keeper is in", now, WITA) is None
