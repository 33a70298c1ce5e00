"""Open311 values as servers write them: times, positions, ids and service definitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kotahub.adapters.open311_records import (
    complaint_from,
    has_definition,
    questions_from,
    zoned_time,
)
from kotahub.records import GeoPoint, Provenance
from kotahub.upstream.skips import UnusableRecord

PROVENANCE = Provenance("lapor", datetime(2024, 1, 1, tzinfo=UTC))
PACIFIC = timezone(timedelta(hours=-8))


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2010-04-14T06:37:38-08:00", datetime(2010, 4, 14, 6, 37, 38, tzinfo=PACIFIC)),
        ("2010-04-14T06:37:38-0800", datetime(2010, 4, 14, 6, 37, 38, tzinfo=PACIFIC)),
        ("2010-04-14T06:37:38.000-08:00", datetime(2010, 4, 14, 6, 37, 38, tzinfo=PACIFIC)),
        ("2010-04-14T14:37:38Z", datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)),
        ("2010-04-14T14:37:38z", datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)),
        (" 2010-04-14T14:37:38+00:00 ", datetime(2010, 4, 14, 14, 37, 38, tzinfo=UTC)),
        ("2010-04-14T06:37:38", None),  # no zone: which moment it is cannot be known
        ("", None),
        ("yesterday", None),
        (1271252258, None),
    ],
)
def test_times_are_read_with_their_zone(written: Any, read: datetime | None) -> None:
    assert zoned_time(written) == read


@pytest.mark.parametrize(
    ("lat", "long", "location"),
    [
        (37.7622, -122.4651, GeoPoint(lat=37.7622, lon=-122.4651)),
        ("37.7622", "-122.4651", GeoPoint(lat=37.7622, lon=-122.4651)),
        (0, 0, None),
        ("0.0", "0", None),
        ("", "", None),
        (None, None, None),
        (37.7622, "", None),
    ],
)
def test_a_request_without_a_usable_position_is_kept_without_one(
    lat: Any, long: Any, location: GeoPoint | None
) -> None:
    item = {"service_request_id": 638344, "address": "8TH AVE and JUDAH ST", "lat": lat}
    record = complaint_from({**item, "long": long}, PROVENANCE)
    assert record.local_id == "638344" and record.location == location


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ([], "not a record"),
        ({"status": "open"}, "no id: no service_request_id"),
        ({"service_request_id": "", "token": "12345"}, "no id: token '12345' has no"),
    ],
)
def test_a_request_that_cannot_be_used_says_why(item: Any, reason: str) -> None:
    with pytest.raises(UnusableRecord) as caught:
        complaint_from(item, PROVENANCE)
    assert caught.value.skip.told().startswith(reason)


def test_an_error_answered_as_a_definition_is_no_definition() -> None:
    error = [{"code": 404, "description": "Service definition not found"}]
    with pytest.raises(UnusableRecord) as caught:
        questions_from(error, "004")
    assert caught.value.skip.told() == "no definition: service '004': Service definition not found"
    with pytest.raises(UnusableRecord):
        questions_from("<html>Not found</html>", "004")
    assert questions_from({"service_code": "004"}, "004") == ()


@pytest.mark.parametrize(
    ("metadata", "has"),
    [(True, True), ("true", True), (False, False), ("false", False), (1, False)],
)
def test_metadata_true_may_be_written_as_text(metadata: Any, has: bool) -> None:
    assert has_definition({"service_code": "001", "metadata": metadata}) is has
