"""A change a follower of a complaint sees is an event; anything else is not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from kotahub.records import ComplaintRecord, Delivery, Provenance
from kotahub.resolvers.complaint_changes import ComplaintState

FETCHED = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
RECORD = ComplaintRecord(
    "complaints", "1042", Provenance("complaints", FETCHED), status="open", agency="DPU"
)
QUEUED = Delivery("KH-1", "QUEUED", "complaints", "jalan-rusak", 1.0, 1.0)


def test_a_first_look_names_every_field() -> None:
    state = ComplaintState.of(None, QUEUED)
    assert state.changed_from(None) == [
        "deliveryStatus",
        "status",
        "statusNotes",
        "agency",
        "expectedAt",
    ]


def test_delivery_and_the_sources_own_changes_are_told_apart() -> None:
    queued = ComplaintState.of(None, QUEUED)
    submitted = ComplaintState.of(RECORD, replace(QUEUED, status="SUBMITTED"))
    closed = ComplaintState.of(
        replace(RECORD, status="closed", status_notes="Ditambal"),
        replace(QUEUED, status="SUBMITTED"),
    )
    assert submitted.changed_from(queued) == ["deliveryStatus", "status", "agency"]
    assert closed.changed_from(submitted) == ["status", "statusNotes"]
    assert len({queued.fingerprint, submitted.fingerprint, closed.fingerprint}) == 3


def test_what_a_follower_does_not_see_is_no_change() -> None:
    """A new fetch, a new description or address: the same state, the same fingerprint."""
    later = replace(
        RECORD,
        provenance=Provenance("complaints", FETCHED.replace(hour=9)),
        description="Lubang besar",
        address="Jl. Minyak",
    )
    before, after = ComplaintState.of(RECORD, QUEUED), ComplaintState.of(later, QUEUED)
    assert after.changed_from(before) == []
    assert after.fingerprint == before.fingerprint
