"""Maps FHIR Locations, with their Organizations and HealthcareServices, to facility records."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from kotahub.adapters.fhir_bundle import Resource, ResourceIndex, reference_key
from kotahub.adapters.fhir_codes import codings, concept_texts, facility_type, is_emergency
from kotahub.adapters.fhir_hours import osm_opening_hours
from kotahub.adapters.payload_values import array, finite, mapping, text
from kotahub.records import GeoPoint, HealthFacilityRecord, HealthServiceRecord, Provenance

ESTIMATED = "https://fhir.kotahub.id/StructureDefinition/position-estimated"
CLOSED = frozenset({"inactive", "suspended"})


def facilities_from(index: ResourceIndex, provenance: Provenance) -> list[HealthFacilityRecord]:
    """One record per operating Location the search matched, itself or through a part.

    A Location that is ``partOf`` another known one (a hospital's emergency wing) is folded
    into it, whether the search matched the wing, the hospital or both.
    """
    locations = {str(r["id"]): r for r in index.of_type("Location") if _operating(r, index)}
    matched = {str(r["id"]) for r in index.matched if r.get("resourceType") == "Location"}
    parent_of = {lid: _parent_id(loc) for lid, loc in locations.items()}
    services = _services_by_location(index)
    records = []
    for lid, location in locations.items():
        if parent_of[lid] in locations or not isinstance(location.get("name"), str):
            continue
        parts = [location] + [locations[c] for c, p in parent_of.items() if p == lid]
        if not matched & {str(part["id"]) for part in parts}:
            continue
        offered = [s for part in parts for s in services.get(str(part["id"]), [])]
        records.append(_facility(location, parts, offered, index, provenance))
    return records


def _operating(location: Resource, index: ResourceIndex) -> bool:
    """Not closed, and not run by an Organization marked inactive."""
    organization = index.resolve(location.get("managingOrganization"), location) or {}
    status = location.get("status")
    return not (isinstance(status, str) and status in CLOSED) and (
        organization.get("active") is not False
    )


def _facility(
    location: Resource,
    parts: Sequence[Resource],
    offered: Sequence[Resource],
    index: ResourceIndex,
    provenance: Provenance,
) -> HealthFacilityRecord:
    organization = index.resolve(location.get("managingOrganization"), location) or {}
    name = str(location["name"]).strip()
    codes = [*codings(location.get("type")), *codings(organization.get("type"))]
    part_codes = [code for part in parts for code in codings(part.get("type"))]
    services = tuple(_service(s) for s in offered)
    return HealthFacilityRecord(
        source=provenance.source,
        local_id=str(location["id"]),
        name=name,
        provenance=provenance,
        facility_type=facility_type(codes, name),
        district=text(mapping(location.get("address")).get("district")),
        address=_address(location.get("address")),
        location=_position(location.get("position")),
        location_estimated=_estimated(location),
        phone=_phone(location) or _phone(organization),
        opening_hours=osm_opening_hours(location.get("hoursOfOperation")),
        emergency=is_emergency(part_codes, name) or any(s.emergency for s in services),
        services=services,
        organization=text(organization.get("name")),
        aliases=tuple(a for a in array(location.get("alias")) if isinstance(a, str)),
    )


def _service(service: Resource) -> HealthServiceRecord:
    types, categories = service.get("type"), service.get("category")
    name = text(service.get("name")) or next(iter(concept_texts(types)), "Layanan kesehatan")
    return HealthServiceRecord(
        name=name,
        categories=tuple(concept_texts(categories)),
        types=tuple(concept_texts(types)),
        emergency=is_emergency(itertools.chain(codings(categories), codings(types)), name),
        opening_hours=osm_opening_hours(service.get("availableTime")),
        phone=_phone(service),
    )


def _services_by_location(index: ResourceIndex) -> dict[str, list[Resource]]:
    found: dict[str, list[Resource]] = {}
    for service in index.of_type("HealthcareService"):
        if service.get("active") is False:
            continue
        for reference in array(service.get("location")):
            key = reference_key(reference)
            if key and key[0] == "Location":
                found.setdefault(key[1], []).append(service)
    return found


def _parent_id(location: Resource) -> str | None:
    key = reference_key(location.get("partOf"))
    return key[1] if key and key[0] == "Location" else None


def _position(position: Any) -> GeoPoint | None:
    if not isinstance(position, Mapping):
        return None
    lat, lon = finite(position.get("latitude")), finite(position.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return GeoPoint(lat=lat, lon=lon)


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
