"""What a follower of a complaint sees change: its delivery to the source, and the source's
status, notes, agency and expected date. Two looks at a complaint that agree here are the
same to a subscriber, however else the source's answer moved (a new fetch time, say)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from kotahub.records import ComplaintRecord, Delivery


@dataclass(frozen=True, slots=True)
class ComplaintState:
    """The parts of a complaint that a change of which is an event."""

    delivery_status: str | None
    status: str | None
    status_notes: str | None
    agency: str | None
    expected_at: str | None

    @classmethod
    def of(cls, record: ComplaintRecord | None, delivery: Delivery | None) -> ComplaintState:
        expected = record.expected_at.isoformat() if record and record.expected_at else None
        return cls(
            delivery_status=delivery.status if delivery else None,
            status=record.status if record else None,
            status_notes=record.status_notes if record else None,
            agency=record.agency if record else None,
            expected_at=expected,
        )

    @property
    def fingerprint(self) -> str:
        """A short digest, equal for equal states: what an event carries and a watcher
        compares (never the description or anything of who filed it)."""
        text = json.dumps(
            [self.delivery_status, self.status, self.status_notes, self.agency, self.expected_at]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def changed_from(self, earlier: ComplaintState | None) -> list[str]:
        """The GraphQL fields that differ from ``earlier`` (all of them for a first look)."""
        fields = {
            "deliveryStatus": (self.delivery_status, earlier and earlier.delivery_status),
            "status": (self.status, earlier and earlier.status),
            "statusNotes": (self.status_notes, earlier and earlier.status_notes),
            "agency": (self.agency, earlier and earlier.agency),
            "expectedAt": (self.expected_at, earlier and earlier.expected_at),
        }
        return [name for name, (now, before) in fields.items() if earlier is None or now != before]
