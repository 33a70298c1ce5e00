"""Maps one item of a plain JSON API to a place record, by the configured field paths."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_args

from kotahub.adapters.json_options import FieldMap
from kotahub.adapters.json_paths import MISSING, found, pick
from kotahub.adapters.payload_values import coordinate
from kotahub.records import (
    FacilityType,
    GeoPoint,
    HealthFacilityRecord,
    LocalizedText,
    Provenance,
    TouristSpotRecord,
)
from kotahub.upstream.skips import UnusableRecord

FACILITY_WORDS: dict[str, FacilityType] = {
    "rumah sakit": "hospital",
    "rs": "hospital",
    "rsud": "hospital",
    "klinik": "clinic",
    "apotek": "pharmacy",
    "apotik": "pharmacy",
    "laboratorium": "laboratory",
    "lab": "laboratory",
}


# The skip reason when a field holds what the hub cannot use; any other field: "bad value".
REASONS = {"id": "no id", "name": "no name"}


class ItemError(UnusableRecord):
    """One item cannot be used; the detail names the field, its path and what was there."""


class _Item:
    """Reads the configured fields of one item, checking each value's type."""

    def __init__(self, item: Any, fields: FieldMap) -> None:
        if not isinstance(item, Mapping):
            raise ItemError("not a record", f"is {found(item)}, not an object")
        self._item = item
        self._paths = fields.paths()

    def _raw(self, field: str) -> Any:
        """The field's value; None when it is not configured or not in the item."""
        path = self._paths.get(field)
        value = MISSING if path is None else pick(self._item, path)
        return None if value is MISSING else value

    def _wrong(self, field: str, value: Any, expected: str) -> ItemError:
        value = pick(self._item, self._paths[field])  # tells a missing value from a null
        return ItemError(
            REASONS.get(field, "bad value"),
            f"has {found(value)} at {self._paths[field]!r} ({field}), expected {expected}",
        )

    def local_id(self) -> str:
        value = self._raw("id")
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self._wrong("id", value, "a non-empty string or an integer")

    def name(self) -> str:
        value = self._raw("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise self._wrong("name", value, "a non-empty string")

    def text(self, field: str) -> str | None:
        value = self._raw(field)
        if value is None:
            return None
        if isinstance(value, str):
            return value.strip() or None
        if field == "phone" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        raise self._wrong(field, value, "a string")

    def texts(self, field: str) -> tuple[str, ...]:
        value = self._raw(field)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),) if value.strip() else ()
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(v.strip() for v in value if v.strip())
        raise self._wrong(field, value, "a string or an array of strings")

    def flag(self, field: str) -> bool:
        value = self._raw(field)
        if value is None or isinstance(value, bool):
            return value is True
        raise self._wrong(field, value, "a boolean")

    def location(self) -> GeoPoint | None:
        """The point; None when a coordinate is missing or blank, or both are 0 (what real
        data writes for "unknown")."""
        lat, lon = self._coordinate("latitude", 90), self._coordinate("longitude", 180)
        if lat is None or lon is None or lat == lon == 0:
            return None
        return GeoPoint(lat=lat, lon=lon)

    def _coordinate(self, field: str, limit: float) -> float | None:
        value = self._raw(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str) and value.count(",") == 1 and "." not in value:
            value = value.replace(",", ".")  # "-1,2765": a decimal comma, as in Indonesia
        number = coordinate(value)
        if number is None or not -limit <= number <= limit:
            raise self._wrong(field, value, f"a number from -{limit:g} to {limit:g}")
        return number


def spot_from_item(item: Any, fields: FieldMap, provenance: Provenance) -> TouristSpotRecord:
    """A tourist-spot record; raises ItemError (an UnusableRecord) when the item cannot be one."""
    read = _Item(item, fields)
    description = read.text("description")
    english = read.text("description_en")
    return TouristSpotRecord(
        source=provenance.source,
        local_id=read.local_id(),
        name=read.name(),
        provenance=provenance,
        categories=read.texts("categories"),
        district=read.text("district"),
        address=read.text("address"),
        description=LocalizedText(id=description, en=english) if description else None,
        location=read.location(),
        opening_hours=read.text("opening_hours"),
    )


def facility_from_item(item: Any, fields: FieldMap, provenance: Provenance) -> HealthFacilityRecord:
    """A health-facility record; raises ItemError (an UnusableRecord) when it cannot be one."""
    read = _Item(item, fields)
    return HealthFacilityRecord(
        source=provenance.source,
        local_id=read.local_id(),
        name=read.name(),
        provenance=provenance,
        facility_type=facility_type(read.text("facility_type")),
        district=read.text("district"),
        address=read.text("address"),
        location=read.location(),
        phone=read.text("phone"),
        opening_hours=read.text("opening_hours"),
        emergency=read.flag("emergency"),
    )


def facility_type(value: str | None) -> FacilityType:
    """The hub's type for an agency's word: the English names, or common Indonesian ones."""
    word = " ".join((value or "").lower().split())
    for known in get_args(FacilityType):
        if word == known:
            return known  # type: ignore[no-any-return]
    return FACILITY_WORDS.get(word, "other")
