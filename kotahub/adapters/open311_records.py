"""Maps Open311 GeoReport v2 JSON to complaint and category records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kotahub.adapters.payload_values import array, finite, text_or_number
from kotahub.records import (
    AttributeValue,
    CategoryAttribute,
    ComplaintCategoryRecord,
    ComplaintRecord,
    GeoPoint,
    Provenance,
)


class RecordError(ValueError):
    """One item cannot be used; the message says which part and why."""


def category_from(service: Any, definition: Any, provenance: Provenance) -> ComplaintCategoryRecord:
    if not isinstance(service, Mapping) or not text_or_number(service.get("service_code")):
        raise RecordError("a service has no service_code")
    keywords = text_or_number(service.get("keywords")) or ""
    attributes = definition.get("attributes") if isinstance(definition, Mapping) else None
    return ComplaintCategoryRecord(
        source=provenance.source,
        code=str(service["service_code"]),
        name=text_or_number(service.get("service_name")) or str(service["service_code"]),
        provenance=provenance,
        description=text_or_number(service.get("description")),
        group=text_or_number(service.get("group")),
        keywords=tuple(word.strip() for word in keywords.split(",") if word.strip()),
        attributes=tuple(_attribute(a) for a in array(attributes) if isinstance(a, Mapping)),
    )


def _attribute(attribute: Mapping[str, Any]) -> CategoryAttribute:
    values = [v for v in array(attribute.get("values")) if isinstance(v, Mapping)]
    order = finite(_parsed(attribute.get("order")))
    return CategoryAttribute(
        code=str(attribute.get("code", "")),
        datatype=str(attribute.get("datatype", "string")),
        required=attribute.get("required") is True,
        description=text_or_number(attribute.get("description")) or str(attribute.get("code", "")),
        variable=attribute.get("variable") is not False,
        order=int(order) if order is not None else 0,
        values=tuple(AttributeValue(str(v.get("key")), str(v.get("name"))) for v in values),
    )


def complaint_from(item: Any, provenance: Provenance) -> ComplaintRecord:
    """A record of one service request; reporter fields, if a server sends them, are dropped."""
    if not isinstance(item, Mapping) or not text_or_number(item.get("service_request_id")):
        raise RecordError("a request has no service_request_id")
    status = str(item.get("status", "open")).lower()
    return ComplaintRecord(
        source=provenance.source,
        local_id=str(item["service_request_id"]),
        provenance=provenance,
        category_code=text_or_number(item.get("service_code")),
        category_name=text_or_number(item.get("service_name")),
        description=text_or_number(item.get("description")),
        status="closed" if status == "closed" else "open",
        status_notes=text_or_number(item.get("status_notes")),
        agency=text_or_number(item.get("agency_responsible")),
        requested_at=zoned_time(item.get("requested_datetime")),
        updated_at=zoned_time(item.get("updated_datetime")),
        expected_at=zoned_time(item.get("expected_datetime")),
        address=text_or_number(item.get("address")),
        district=text_or_number(item.get("district")),
        location=_point(item.get("lat"), item.get("long")),
        media_url=text_or_number(item.get("media_url")),
    )


def zoned_time(value: Any) -> datetime | None:
    """An ISO 8601 time with its zone; None for anything else (a zoneless time is ambiguous)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None  # a time without a zone is ambiguous


def _point(lat: Any, lon: Any) -> GeoPoint | None:
    """Open311 servers send coordinates as numbers or as strings of them."""
    latitude, longitude = finite(_parsed(lat)), finite(_parsed(lon))
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return GeoPoint(lat=latitude, lon=longitude)


def _parsed(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        return None
