"""What an event about a complaint says, written for every replica and read back.

An event is the complaint's new state: the source's record, when the watcher read one, and
the hub's delivery, when it moved. Neither holds anything of who filed the complaint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from kotahub.records import ComplaintRecord, Delivery

_RECORDS: TypeAdapter[ComplaintRecord] = TypeAdapter(ComplaintRecord)
_DELIVERIES: TypeAdapter[Delivery] = TypeAdapter(Delivery)


def complaint_topic(tracking_id: str) -> str:
    return f"complaint:{tracking_id}"


@dataclass(frozen=True, slots=True)
class ComplaintEvent:
    """A complaint's record or delivery as it is now (either may be absent)."""

    record: ComplaintRecord | None = None
    delivery: Delivery | None = None

    def encoded(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.record is not None:
            data["record"] = _RECORDS.dump_python(self.record, mode="json")
        if self.delivery is not None:
            data["delivery"] = _DELIVERIES.dump_python(self.delivery, mode="json")
        return data

    @classmethod
    def decoded(cls, data: Mapping[str, Any]) -> ComplaintEvent:
        """ValueError, saying which part, for data this version cannot read."""
        try:
            record = _RECORDS.validate_python(data["record"]) if "record" in data else None
            delivery = _DELIVERIES.validate_python(data["delivery"]) if "delivery" in data else None
        except ValidationError as exc:
            raise ValueError(f"a complaint event this hub cannot read: {exc.errors()[0]}") from exc
        return cls(record, delivery)
