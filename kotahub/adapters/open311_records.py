"""Maps Open311 GeoReport v2 JSON to complaint and category records."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kotahub.adapters.payload_values import array, finite, position, text, text_or_number
from kotahub.records import (
    AttributeValue,
    CategoryAttribute,
    ComplaintCategoryRecord,
    ComplaintRecord,
    Provenance,
)
from kotahub.upstream.skips import UnusableRecord

NO_DEFINITION = "no definition"  # a service with metadata whose definition is not there


def service_code(service: Any) -> str:
    """The code of a listed service; UnusableRecord when it is not one."""
    if not isinstance(service, Mapping):
        raise UnusableRecord("not a record", "not a JSON object")
    code = text_or_number(service.get("service_code"))
    if code is None:
        name = text(service.get("service_name"))
        raise UnusableRecord("no id", f"{name!r} has no service_code" if name else "")
    return code


def has_definition(service: Mapping[str, Any]) -> bool:
    """``metadata: true``; some servers write the boolean as a string."""
    metadata = service.get("metadata")
    return metadata is True or (isinstance(metadata, str) and metadata.strip().lower() == "true")


def category_from(
    service: Mapping[str, Any],
    questions: tuple[CategoryAttribute, ...],
    provenance: Provenance,
    questions_known: bool = True,
) -> ComplaintCategoryRecord:
    code = service_code(service)
    keywords = text_or_number(service.get("keywords")) or ""
    return ComplaintCategoryRecord(
        source=provenance.source,
        code=code,
        name=text_or_number(service.get("service_name")) or code,
        provenance=provenance,
        description=text_or_number(service.get("description")),
        group=text_or_number(service.get("group")),
        keywords=tuple(word.strip() for word in keywords.split(",") if word.strip()),
        attributes=questions,
        questions_known=questions_known,
    )


def questions_from(definition: Any, code: str) -> tuple[CategoryAttribute, ...]:
    """The attributes of a service definition; UnusableRecord ("no definition") when the
    answer is not one, such as an Open311 error array answered with HTTP 200."""
    if not isinstance(definition, Mapping):
        said = error_text(definition)
        detail = f"service {code!r}: " + (said or "the answer is not a service definition")
        raise UnusableRecord(NO_DEFINITION, detail)
    attributes = array(definition.get("attributes"))
    return tuple(_attribute(a) for a in attributes if isinstance(a, Mapping))


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
    """A record of one service request; reporter fields, if a server sends them, are dropped.
    A request without a usable position (none, blank, or 0, 0) is kept without one."""
    if not isinstance(item, Mapping):
        raise UnusableRecord("not a record", "not a JSON object")
    local_id = text_or_number(item.get("service_request_id"))
    if local_id is None:
        token = text_or_number(item.get("token"))
        detail = f"token {token!r} has no service_request_id yet" if token else ""
        raise UnusableRecord("no id", detail or "no service_request_id")
    status = str(item.get("status", "open")).lower()
    return ComplaintRecord(
        source=provenance.source,
        local_id=local_id,
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
        location=position(item.get("lat"), item.get("long")),
        media_url=text_or_number(item.get("media_url")),
    )


def zoned_time(value: Any) -> datetime | None:
    """A W3C (ISO 8601) time with its zone, ``Z`` or an offset such as ``-08:00``; None for
    anything else (a time without a zone is ambiguous)."""
    if not isinstance(value, str) or not value.strip():
        return None
    written = value.strip()
    if written[-1] in "zZ":
        written = written[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(written)
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _parsed(value: Any) -> Any:
    """A number written as a string, as some servers send them, read as one."""
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        return None


def error_text(body: Any) -> str | None:
    """The descriptions in an Open311 error array (``[{"code": 404, "description": …}]``)."""
    if not isinstance(body, list):
        return None
    texts = [
        str(e.get("description")) for e in body if isinstance(e, Mapping) and e.get("description")
    ]
    return "; ".join(texts) if texts else None  # cut short once redacted, not before
