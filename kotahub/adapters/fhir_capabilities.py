"""What a FHIR server says it can search, read from its CapabilityStatement."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kotahub.adapters.payload_values import array


@dataclass(frozen=True, slots=True)
class LocationSearch:
    """The Location search parameters, includes and reverse includes a server supports."""

    params: frozenset[str] = field(default_factory=frozenset)
    includes: frozenset[str] = field(default_factory=frozenset)
    revincludes: frozenset[str] = field(default_factory=frozenset)


def location_search(statement: Any) -> LocationSearch:
    """The Location part of a CapabilityStatement; empty when it says nothing of Location."""
    params: set[str] = set()
    includes: set[str] = set()
    revincludes: set[str] = set()
    for resource in _resources(statement):
        if resource.get("type") != "Location":
            continue
        params |= {
            str(p.get("name")) for p in array(resource.get("searchParam")) if isinstance(p, Mapping)
        }
        includes |= {str(i) for i in array(resource.get("searchInclude"))}
        revincludes |= {str(i) for i in array(resource.get("searchRevInclude"))}
    return LocationSearch(frozenset(params), frozenset(includes), frozenset(revincludes))


def _resources(statement: Any) -> list[Mapping[str, Any]]:
    if not isinstance(statement, Mapping):
        return []
    found = []
    for rest in array(statement.get("rest")):
        if isinstance(rest, Mapping):
            found += [r for r in array(rest.get("resource")) if isinstance(r, Mapping)]
    return found
