"""The FHIR R4 search parameters the reference upstream supports, per resource type, as data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from kotahub.demo.fhir_store import RESOURCE_TYPES, Resource

ParamType = Literal["string", "token", "reference", "special"]
Token = tuple[str | None, str]
"""(system, code) of one coded value; system None when the value has none (booleans, ids)."""

LOCATION_STATUS = "http://hl7.org/fhir/location-status"
STRING_MODIFIERS = frozenset({"exact", "contains"})


@dataclass(frozen=True, slots=True)
class SearchParam:
    """One search parameter: how to read its values from a resource, and its documentation."""

    name: str
    type: ParamType
    expression: str
    documentation: str
    strings: Callable[[Resource], list[str]] | None = None
    tokens: Callable[[Resource], list[Token]] | None = None
    references: Callable[[Resource], list[str]] | None = None
    targets: tuple[str, ...] = ()
    codes: frozenset[str] | None = None
    """For token parameters bound to a small fixed set: the codes accepted in a query."""

    def definition(self, resource_type: str) -> str:
        """The canonical URL of the R4 SearchParameter this parameter implements."""
        owner = "Resource" if self.name == "_id" else resource_type
        name = "id" if self.name == "_id" else self.name
        return f"http://hl7.org/fhir/SearchParameter/{owner}-{name}"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _fields(*names: str) -> Callable[[Resource], list[str]]:
    def read(resource: Resource) -> list[str]:
        return [str(v) for name in names for v in _as_list(resource.get(name))]

    return read


def _address(*parts: str) -> Callable[[Resource], list[str]]:
    def read(resource: Resource) -> list[str]:
        values: list[str] = []
        for address in _as_list(resource.get("address")):
            for part in parts:
                values.extend(str(v) for v in _as_list(address.get(part)))
        return values

    return read


def _codings(name: str) -> Callable[[Resource], list[Token]]:
    def read(resource: Resource) -> list[Token]:
        concepts = _as_list(resource.get(name))
        codings = [c for concept in concepts for c in concept.get("coding", [])]
        return [(c.get("system"), str(c["code"])) for c in codings if "code" in c]

    return read


def _code(name: str, system: str | None) -> Callable[[Resource], list[Token]]:
    def read(resource: Resource) -> list[Token]:
        value = resource.get(name)
        if value is None:
            return []
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return [(system, text)]

    return read


def _refs(name: str) -> Callable[[Resource], list[str]]:
    def read(resource: Resource) -> list[str]:
        found = (ref.get("reference") for ref in _as_list(resource.get(name)))
        return [ref for ref in found if isinstance(ref, str)]

    return read


_ADDRESS_PARTS = ("line", "city", "district", "state", "postalCode", "country", "text")
_BOOLEAN = frozenset({"true", "false"})

ID = SearchParam(
    "_id",
    "token",
    "Resource.id",
    "Logical id; a comma-separated list matches any of them",
    tokens=_code("id", None),
)
LOCATION = (
    ID,
    SearchParam(
        "name",
        "string",
        "Location.name | Location.alias",
        "A portion of the location's name or alias",
        strings=_fields("name", "alias"),
    ),
    SearchParam(
        "type",
        "token",
        "Location.type",
        "A code for the type of location",
        tokens=_codings("type"),
    ),
    SearchParam(
        "address",
        "string",
        "Location.address",
        "A (part of the) address of the location",
        strings=_address(*_ADDRESS_PARTS),
    ),
    SearchParam(
        "address-city",
        "string",
        "Location.address.city",
        "A city specified in an address",
        strings=_address("city"),
    ),
    SearchParam(
        "organization",
        "reference",
        "Location.managingOrganization",
        "Searches for locations that are managed by the provided organization",
        references=_refs("managingOrganization"),
        targets=("Organization",),
    ),
    SearchParam(
        "partof",
        "reference",
        "Location.partOf",
        "A location of which this location is a part",
        references=_refs("partOf"),
        targets=("Location",),
    ),
    SearchParam(
        "status",
        "token",
        "Location.status",
        "Searches for locations with a specific status",
        tokens=_code("status", LOCATION_STATUS),
        codes=frozenset({"active", "suspended", "inactive"}),
    ),
    SearchParam(
        "near",
        "special",
        "Location.position",
        "Locations within a distance of [latitude]|[longitude]|[distance]|[units]; units km "
        "(the default); distance defaults to 10 km; results are sorted nearest first",
    ),
)
ORGANIZATION = (
    ID,
    SearchParam(
        "name",
        "string",
        "Organization.name | Organization.alias",
        "A portion of the organization's name or alias",
        strings=_fields("name", "alias"),
    ),
    SearchParam(
        "type",
        "token",
        "Organization.type",
        "A code for the type of organization",
        tokens=_codings("type"),
    ),
    SearchParam(
        "address",
        "string",
        "Organization.address",
        "A server defined search that may match any of the string fields in the Address",
        strings=_address(*_ADDRESS_PARTS),
    ),
    SearchParam(
        "address-city",
        "string",
        "Organization.address.city",
        "A city specified in an address",
        strings=_address("city"),
    ),
    SearchParam(
        "active",
        "token",
        "Organization.active",
        "Is the Organization record active",
        tokens=_code("active", None),
        codes=_BOOLEAN,
    ),
    SearchParam(
        "partof",
        "reference",
        "Organization.partOf",
        "An organization of which this organization forms a part",
        references=_refs("partOf"),
        targets=("Organization",),
    ),
)
HEALTHCARE_SERVICE = (
    ID,
    SearchParam(
        "name",
        "string",
        "HealthcareService.name",
        "A portion of the Healthcare service name",
        strings=_fields("name"),
    ),
    SearchParam(
        "active",
        "token",
        "HealthcareService.active",
        "The Healthcare Service is currently marked as active",
        tokens=_code("active", None),
        codes=_BOOLEAN,
    ),
    SearchParam(
        "location",
        "reference",
        "HealthcareService.location",
        "The location of the Healthcare Service",
        references=_refs("location"),
        targets=("Location",),
    ),
    SearchParam(
        "organization",
        "reference",
        "HealthcareService.providedBy",
        "The organization that provides this Healthcare Service",
        references=_refs("providedBy"),
        targets=("Organization",),
    ),
    SearchParam(
        "service-category",
        "token",
        "HealthcareService.category",
        "Service Category of the Healthcare Service",
        tokens=_codings("category"),
    ),
    SearchParam(
        "service-type",
        "token",
        "HealthcareService.type",
        "The type of service provided by this healthcare service",
        tokens=_codings("type"),
    ),
)
PARAMETERS: dict[str, dict[str, SearchParam]] = {
    "Location": {p.name: p for p in LOCATION},
    "Organization": {p.name: p for p in ORGANIZATION},
    "HealthcareService": {p.name: p for p in HEALTHCARE_SERVICE},
}


def reference_params() -> Iterator[tuple[str, SearchParam]]:
    """(source type, parameter) for every reference parameter: what _include can follow."""
    for resource_type in RESOURCE_TYPES:
        for param in PARAMETERS[resource_type].values():
            if param.type == "reference":
                yield resource_type, param


def includes_from(resource_type: str) -> list[str]:
    """The ``_include`` values a search of ``resource_type`` accepts."""
    return [f"{source}:{p.name}" for source, p in reference_params() if source == resource_type]


def revincludes_to(resource_type: str) -> list[str]:
    """The ``_revinclude`` values a search of ``resource_type`` accepts."""
    return [f"{source}:{p.name}" for source, p in reference_params() if resource_type in p.targets]
