"""Maps FHIR Locations, with their Organizations and HealthcareServices, to facility records."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kotahub.adapters.fhir_bundle import Resource, ResourceIndex
from kotahub.adapters.fhir_codes import codings, concept_texts, facility_type, is_emergency
from kotahub.adapters.fhir_hours import LOCATION_TIMES, SERVICE_TIMES, UnreadableHours, read_hours
from kotahub.adapters.fhir_listing import Key, listing
from kotahub.adapters.payload_values import array, mapping, position, position_fault, text
from kotahub.records import GeoPoint, HealthFacilityRecord, HealthServiceRecord, Provenance
from kotahub.upstream.skips import Skip

ESTIMATED = "https://fhir.kotahub.id/StructureDefinition/position-estimated"


@dataclass
class Mapped:
    """The facility records, and what was left out of them, by the resource it is about."""

    records: list[HealthFacilityRecord] = field(default_factory=list)
    skipped: dict[Key, Skip] = field(default_factory=dict)


def facilities_from(index: ResourceIndex, provenance: Provenance) -> Mapped:
    """One record per operating Location the search matched, itself or through a part
    (see ``listing``); hours that cannot be read are left out, and told."""
    found = listing(index)
    mapped = Mapped(skipped=found.skipped)
    # Records with the same labels share one provenance, as the records of a page do.
    labelled: dict[tuple[str, ...], Provenance] = {(): provenance}
    for parts in found.facilities:
        offered = [s for part in parts for s in found.services.get(str(part["id"]), [])]
        labels = tags(parts[0])
        if labels not in labelled:
            labelled[labels] = replace(provenance, tags=labels)
        record = _facility(parts, offered, index, labelled[labels], mapped.skipped)
        mapped.records.append(record)
    return mapped


def _facility(
    parts: Sequence[Resource],
    offered: Sequence[Resource],
    index: ResourceIndex,
    provenance: Provenance,
    skipped: dict[Key, Skip],
) -> HealthFacilityRecord:
    location = parts[0]
    organization = index.resolve(location.get("managingOrganization"), location) or {}
    name = str(location["name"]).strip()
    codes = [*codings(location.get("type")), *codings(organization.get("type"))]
    part_codes = [code for part in parts for code in codings(part.get("type"))]
    services = tuple(_service(s, skipped) for s in offered)
    hours = _hours(location, "hoursOfOperation", LOCATION_TIMES, skipped)
    return HealthFacilityRecord(
        source=provenance.source,
        local_id=str(location["id"]),
        name=name,
        provenance=provenance,
        facility_type=facility_type(codes, name),
        district=text(mapping(location.get("address")).get("district")),
        address=_address(location.get("address")),
        location=_position(location, skipped),
        location_estimated=_estimated(location),
        phone=_phone(location) or _phone(organization),
        opening_hours=hours,
        emergency=is_emergency(part_codes, name) or any(s.emergency for s in services),
        services=services,
        organization=text(organization.get("name")),
        aliases=tuple(a for a in array(location.get("alias")) if isinstance(a, str)),
    )


def tags(resource: Resource) -> tuple[str, ...]:
    """The codes of a resource's ``meta.tag`` and ``meta.security`` labels, such as HTEST
    ("test health data"), each once, in order."""
    meta = mapping(resource.get("meta"))
    labels = [*array(meta.get("tag")), *array(meta.get("security"))]
    codes = [text(label.get("code")) for label in labels if isinstance(label, Mapping)]
    return tuple(dict.fromkeys(code for code in codes if code))


def _hours(
    resource: Resource, element: str, times: tuple[str, str], skipped: dict[Key, Skip]
) -> str | None:
    """The resource's hours; None, and told, when they cannot be read."""
    closed = resource.get("notAvailable") if element == "availableTime" else None
    try:
        return read_hours(resource.get(element), closed, times)
    except UnreadableHours as exc:
        kind, rid = str(resource.get("resourceType")), str(resource.get("id"))
        detail = f"{kind}/{rid}: {element} {exc}; listed without opening hours"
        skipped.setdefault((kind, rid), Skip("bad value", detail, kept=True))
        return None


def _service(service: Resource, skipped: dict[Key, Skip]) -> HealthServiceRecord:
    types, categories = service.get("type"), service.get("category")
    name = text(service.get("name")) or next(iter(concept_texts(types)), "Layanan kesehatan")
    return HealthServiceRecord(
        name=name,
        categories=tuple(concept_texts(categories)),
        types=tuple(concept_texts(types)),
        emergency=is_emergency(itertools.chain(codings(categories), codings(types)), name),
        opening_hours=_hours(service, "availableTime", SERVICE_TIMES, skipped),
        phone=_phone(service),
    )


def _position(location: Resource, skipped: dict[Key, Skip]) -> GeoPoint | None:
    """Location.position; none for 0, 0, which servers write for "not known". One off the
    globe (most often latitude and longitude swapped) is none too, and told."""
    given = mapping(location.get("position"))
    lat, lon = given.get("latitude"), given.get("longitude")
    fault = position_fault(lat, lon)
    if fault is not None:
        rid = str(location.get("id"))
        detail = f"Location/{rid}: position {fault}; listed without a position"
        skipped.setdefault(("Location", rid), Skip("bad value", detail, kept=True))
    return position(lat, lon)


def _estimated(location: Resource) -> bool:
    return any(
        isinstance(ext, Mapping) and ext.get("url") == ESTIMATED and ext.get("valueBoolean") is True
        for ext in array(location.get("extension"))
    )


def _phone(resource: Mapping[str, Any]) -> str | None:
    for point in array(resource.get("telecom")):
        if (
            isinstance(point, Mapping)
            and point.get("system") == "phone"
            and text(point.get("value"))
        ):
            return text(point.get("value"))
    return None


def _address(address: Any) -> str | None:
    if not isinstance(address, Mapping):
        return None
    if text(address.get("text")):
        return text(address.get("text"))
    parts = [*array(address.get("line")), address.get("city")]
    joined = ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or None
