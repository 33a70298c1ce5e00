"""Service request rows of the Open311 store: the public columns, served, and the sample rows."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from kotahub.demo.open311_catalogue import Catalogue
from kotahub.demo.open311_form import CONTACT_FIELDS, Submission
from kotahub.demo.open311_time import w3c

DAY = 86_400
PUBLIC_COLUMNS = (
    "service_request_id",
    "service_code",
    "status",
    "status_notes",
    "agency_responsible",
    "service_notice",
    "description",
    "requested_at",
    "updated_at",
    "expected_at",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "district",
    "media_url",
)
"""The only columns ever read for a response: reporters live in a table never served."""
SELECT_PUBLIC = f"SELECT {', '.join(PUBLIC_COLUMNS)} FROM requests"


@dataclass(frozen=True, slots=True)
class StoredRequest:
    """The public part of a stored service request; times are epoch seconds."""

    service_request_id: str
    service_code: str
    status: str
    status_notes: str | None
    agency_responsible: str | None
    service_notice: str | None
    description: str | None
    requested_at: int
    updated_at: int
    expected_at: int | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    district: str | None
    media_url: str | None

    @classmethod
    def of(cls, row: sqlite3.Row) -> StoredRequest:
        """The request in a row selected with SELECT_PUBLIC."""
        return cls(**{name: row[name] for name in PUBLIC_COLUMNS})

    def served(self, catalogue: Catalogue, base: str) -> dict[str, Any]:
        """The GeoReport v2 JSON of the request, plus the ``district`` (kecamatan) extension."""
        service = catalogue.by_code.get(self.service_code)
        media = self.media_url
        if media is not None and not media.startswith(("http://", "https://")):
            media = base + media  # sample media is stored relative to the server
        return {
            "service_request_id": self.service_request_id,
            "status": self.status,
            "status_notes": self.status_notes,
            "service_name": service.name if service else None,
            "service_code": self.service_code,
            "description": self.description,
            "agency_responsible": self.agency_responsible,
            "service_notice": self.service_notice,
            "requested_datetime": w3c(self.requested_at),
            "updated_datetime": w3c(self.updated_at),
            "expected_datetime": None if self.expected_at is None else w3c(self.expected_at),
            "address": self.address,
            "address_id": self.address_id,
            "zipcode": self.zipcode,
            "lat": self.lat,
            "long": self.long,
            "media_url": media,
            "district": self.district,
        }


def request_id(seq: int) -> str:
    """The public id of the ``seq``-th request."""
    return f"BPN-{seq:06d}"


def sample_row(catalogue: Catalogue, sample: dict[str, Any], anchor: int) -> dict[str, Any]:
    """The column values of a sample report, its day offsets counted back from ``anchor``."""
    service = catalogue.by_code[sample["service_code"]]
    kelurahan = catalogue.by_kelurahan[sample["kelurahan"]]
    requested = anchor - round(sample["requested_days_ago"] * DAY)
    media = sample.get("media")
    return {
        "service_code": service.code,
        "status": sample["status"],
        "status_notes": sample.get("status_notes"),
        "agency_responsible": service.agency,
        "service_notice": service.notice,
        "description": sample["description"],
        "requested_at": requested,
        "updated_at": anchor - round(sample["updated_days_ago"] * DAY),
        "expected_at": requested + round(sample["expected_days_after_request"] * DAY),
        "published_at": requested,
        "address": f"{sample['street']}, {kelurahan.name}, {kelurahan.district}, Balikpapan",
        "address_id": sample.get("address_id"),
        "zipcode": kelurahan.zipcode,
        "lat": sample["lat"],
        "long": sample["long"],
        "district": kelurahan.district,
        "media_url": f"media/{media}.svg" if media else None,
        "attributes": json.dumps(sample.get("attributes", {}), ensure_ascii=False),
        "sample": 1,
    }


def submitted_row(catalogue: Catalogue, submission: Submission, now: int) -> dict[str, Any]:
    """The column values of a new report; it is published at ``now`` unless deferred."""
    service = submission.service
    district, zipcode = catalogue.place(submission.address_string, submission.lat, submission.long)
    return {
        "service_code": service.code,
        "status": "open",
        "status_notes": None,
        "agency_responsible": service.agency,
        "service_notice": service.notice,
        "description": submission.description,
        "requested_at": now,
        "updated_at": now,
        "expected_at": now + service.expected_days * DAY,
        "published_at": now,
        "address": submission.address_string,
        "address_id": submission.address_id,
        "zipcode": zipcode,
        "lat": submission.lat,
        "long": submission.long,
        "district": district,
        "media_url": submission.media_url,
        "attributes": json.dumps(submission.attributes, ensure_ascii=False),
        "sample": 0,
    }


def reporter_row(submission: Submission) -> dict[str, str | None] | None:
    """The reporter's contact details, or None when none were given."""
    values = {name: getattr(submission.reporter, name) for name in CONTACT_FIELDS}
    return values if any(v is not None for v in values.values()) else None
