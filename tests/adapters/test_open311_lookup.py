"""Recognising an Open311 request as the one an uncertain post made, by what the server lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kotahub.adapters.open311_lookup import CLOCK_SKEW, lookup_window, same_submission
from kotahub.contract import UncertainPost
from kotahub.records import ComplaintSubmission

BEGAN = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
POSTS = [UncertainPost(BEGAN, BEGAN + timedelta(seconds=10))]
LAMP = ComplaintSubmission(
    source="lapor",
    category_code="lampu-jalan",
    description="Lampu jalan mati",
    address="Jl. Jenderal Sudirman",
    attributes={"kondisi_lampu": "mati", "jenis": ["pju", "taman"]},
)


def _listed(**changes: Any) -> dict[str, Any]:
    item = {
        "service_request_id": "BPN-1",
        "service_code": "lampu-jalan",
        "description": "Lampu  jalan mati ",
        "address": "Jl. Jenderal Sudirman",
        "lat": None,
        "long": None,
        "requested_datetime": "2026-03-02T09:00:05+08:00",
    }
    return item | changes


def test_the_request_as_it_was_sent_is_recognised() -> None:
    assert same_submission(_listed(), LAMP, POSTS)
    assert same_submission(_listed(address=" jl. jenderal  SUDIRMAN"), LAMP, POSTS)


@pytest.mark.parametrize(
    "requested",
    [
        BEGAN - CLOCK_SKEW - timedelta(seconds=1),
        BEGAN + timedelta(seconds=10) + CLOCK_SKEW + timedelta(seconds=1),
    ],
    ids=["before", "after"],
)
def test_a_request_made_outside_every_post_is_not_it(requested: datetime) -> None:
    item = _listed(requested_datetime=requested.isoformat())
    assert not same_submission(item, LAMP, POSTS)


def test_a_request_made_during_another_uncertain_post_is_recognised() -> None:
    later = UncertainPost(BEGAN + timedelta(hours=2), BEGAN + timedelta(hours=2, seconds=5))
    item = _listed(requested_datetime=(later.began + timedelta(seconds=1)).isoformat())
    gap = _listed(requested_datetime=(BEGAN + timedelta(hours=1)).isoformat())
    assert same_submission(item, LAMP, [*POSTS, later])
    assert not same_submission(gap, LAMP, [*POSTS, later])  # between the posts


@pytest.mark.parametrize(
    "changes",
    [
        {"requested_datetime": "2 March, 9 am"},
        {"requested_datetime": "2026-03-02T01:00:05"},  # no zone: ambiguous
        {"address": "Jl. Ahmad Yani"},
        {"attributes": {"kondisi_lampu": "berkedip", "jenis": ["pju", "taman"]}},
        {"attributes": [{"code": "kondisi_lampu", "value": "mati"}]},  # "jenis" left out
        {"attributes": "kondisi_lampu=mati"},
    ],
    ids=["unreadable-time", "zoneless-time", "address", "answer", "missing-answer", "shape"],
)
def test_a_request_that_differs_where_the_server_lists_it_is_not_it(
    changes: dict[str, Any],
) -> None:
    assert not same_submission(_listed(**changes), LAMP, POSTS)


@pytest.mark.parametrize(
    "attributes",
    [
        {"kondisi_lampu": "mati", "jenis": ["taman", "pju"], "nomor_tiang": "PJU-1"},
        [
            {"code": "kondisi_lampu", "value": "mati"},
            {"code": "jenis", "value": ["pju", "taman"]},
        ],
    ],
    ids=["mapping", "list"],
)
def test_answers_listed_as_they_were_sent_are_recognised(attributes: Any) -> None:
    assert same_submission(_listed(attributes=attributes), LAMP, POSTS)


def test_without_a_place_sent_a_request_with_one_is_not_it() -> None:
    placeless = ComplaintSubmission("lapor", "lampu-jalan", "Lampu jalan mati")
    assert same_submission(_listed(address=None), placeless, POSTS)
    assert not same_submission(_listed(), placeless, POSTS)
    assert not same_submission(_listed(address=None, lat=-1.27, long=116.83), placeless, POSTS)


def test_the_search_ends_with_the_last_post_not_now() -> None:
    later = UncertainPost(BEGAN + timedelta(hours=1), BEGAN + timedelta(hours=1, seconds=3))
    window = lookup_window([*POSTS, later])
    assert window == {"start_date": "2026-03-02T00:58:00Z", "end_date": "2026-03-02T02:02:03Z"}
