"""Which FHIR Locations are facilities to list, which services they offer, and why the rest
are left out (each told as a ``Skip``, by the resource it is about)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kotahub.adapters.fhir_bundle import Resource, ResourceIndex, reference_key
from kotahub.adapters.payload_values import array, text
from kotahub.upstream.skips import Skip

Key = tuple[str, str]
CLOSED = frozenset({"inactive", "suspended"})


@dataclass
class Listing:
    """The facilities to list, each a Location with its parts (the Location first); the
    services offered at each Location, by its id; and what was left out, by resource."""

    facilities: list[list[Resource]] = field(default_factory=list)
    services: dict[str, list[Resource]] = field(default_factory=dict)
    skipped: dict[Key, Skip] = field(default_factory=dict)


def listing(index: ResourceIndex) -> Listing:
    """One facility per usable Location the search matched, itself or through a part.

    A Location that is ``partOf`` another usable one (a hospital's emergency wing, a room on
    one of its floors) is folded into the one at the top, whether the search matched the
    part, the hospital or both. A kind of place (``mode: kind``) is not a facility; a closed
    Location, one whose Organization is not active, and one that is part of such a Location
    are not listed.
    """
    found = Listing()
    everywhere = {str(r["id"]): r for r in index.of_type("Location")}
    why_not = {lid: _left_out(lid, everywhere, index) for lid in everywhere}
    usable = {lid: loc for lid, loc in everywhere.items() if why_not[lid] is None}
    matched = {str(r["id"]) for r in index.matched if r.get("resourceType") == "Location"}
    parent_of = {lid: _parent_id(loc) for lid, loc in usable.items()}
    children: dict[str, list[str]] = {}
    for lid, parent in parent_of.items():
        if parent is not None:
            children.setdefault(parent, []).append(lid)
    for lid, location in usable.items():
        if parent_of[lid] in usable:
            continue
        parts = [location] + [usable[part] for part in _descendants(lid, children)]
        if not matched & {str(part["id"]) for part in parts}:
            continue
        if text(location.get("name")) is None:
            found.skipped[("Location", lid)] = Skip("no name", f"Location/{lid} has no name")
            continue
        found.facilities.append(parts)
    for lid in sorted(matched):
        skip = why_not.get(lid)
        if skip is not None:
            found.skipped[("Location", lid)] = skip
    _services(index, why_not, found)
    return found


def _descendants(lid: str, children: Mapping[str, list[str]]) -> list[str]:
    """The Locations under ``lid`` at any depth (a room on a floor of a hospital), nearest
    first; each once, however the source's partOf references loop."""
    found: list[str] = []
    seen, under = {lid}, [lid]
    while under:
        below = [c for parent in under for c in children.get(parent, []) if c not in seen]
        seen.update(below)
        found += below
        under = below
    return found


def _left_out(lid: str, locations: Mapping[str, Resource], index: ResourceIndex) -> Skip | None:
    """Why the Location ``lid`` is not listed, nor folded into another; None if it may be."""
    location = locations[lid]
    if location.get("mode") == "kind":
        name = text(location.get("name")) or "unnamed"
        return Skip("not a facility", f"Location/{lid} ({name}) is a kind of place (mode kind)")
    seen = {lid}
    here: Resource | None = location
    while here is not None:
        closed = _closed(here, index)
        if closed is not None:
            where = "" if here is location else f" is part of Location/{here['id']}, which"
            return Skip("inactive", f"Location/{lid}{where} {closed}")
        parent = _parent_id(here)
        here = locations.get(parent) if parent is not None and parent not in seen else None
        seen.add(parent or "")
    return None


def _closed(location: Resource, index: ResourceIndex) -> str | None:
    """How a Location says it is closed, itself or through its Organization; else None."""
    status = location.get("status")
    if isinstance(status, str) and status in CLOSED:
        return f"is {status}"
    organization = index.resolve(location.get("managingOrganization"), location) or {}
    if organization.get("active") is False:
        key = reference_key(location.get("managingOrganization")) or ("#", "")
        return f"is run by Organization/{key[1]}, which is not active"
    return None


def _services(index: ResourceIndex, why_not: Mapping[str, Skip | None], found: Listing) -> None:
    """The active services by the Locations they are offered at; those left out, and why."""
    for service in index.of_type("HealthcareService"):
        key: Key = ("HealthcareService", str(service["id"]))
        if service.get("active") is False:
            found.skipped[key] = Skip("inactive", f"HealthcareService/{key[1]} is not active")
            continue
        at = _offered_at(service)
        if not at:
            detail = f"HealthcareService/{key[1]} names no Location it is offered at"
            found.skipped[key] = Skip("no position", detail)
            continue
        for lid in at:
            found.services.setdefault(lid, []).append(service)
        closed = [why_not[lid] for lid in at if why_not.get(lid) is not None]
        if len(closed) == len(at) and closed[0] is not None:
            detail = f"HealthcareService/{key[1]} is offered only where {closed[0].detail}"
            found.skipped[key] = Skip(closed[0].reason, detail)


def _offered_at(service: Resource) -> list[str]:
    keys = [reference_key(reference) for reference in array(service.get("location"))]
    return [key[1] for key in keys if key and key[0] == "Location"]


def _parent_id(location: Resource) -> str | None:
    key = reference_key(location.get("partOf"))
    return key[1] if key and key[0] == "Location" else None
