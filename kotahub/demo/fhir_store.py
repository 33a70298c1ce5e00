"""The sample health resources of the reference FHIR upstream: loaded once, checked, indexed."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "health.json"
RESOURCE_TYPES = ("Location", "Organization", "HealthcareService")
BASE_PLACEHOLDER = "{base}"
"""A stored reference starting with this is served as an absolute URL on the server's base."""

Resource = dict[str, Any]
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_LOCAL_REFERENCE = re.compile(r"([A-Z][A-Za-z]+)/([A-Za-z0-9\-.]{1,64})")


@dataclass(frozen=True, slots=True)
class FhirStore:
    """Every resource by type, each type sorted by id; ``loaded_at`` is Bundle.meta.lastUpdated."""

    resources: dict[str, tuple[Resource, ...]]
    loaded_at: str
    by_key: dict[str, Resource] = field(init=False)

    def __post_init__(self) -> None:
        keys = {key_of(r): r for found in self.resources.values() for r in found}
        object.__setattr__(self, "by_key", keys)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> FhirStore:
        """Reads and checks the resources at ``path``; raises ValueError naming what is wrong."""
        document = json.loads(path.read_text(encoding="utf-8"))
        resources = {rtype: _checked_list(rtype, document[rtype]) for rtype in RESOURCE_TYPES}
        stamp = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        store = cls(resources=resources, loaded_at=stamp)
        for resource in store.by_key.values():
            store.check_references(resource)
        return store

    def all(self, resource_type: str) -> tuple[Resource, ...]:
        """Every resource of ``resource_type``, sorted by id."""
        return self.resources[resource_type]

    def get(self, resource_type: str, resource_id: str) -> Resource | None:
        """The resource ``resource_type/resource_id``, if stored."""
        return self.by_key.get(f"{resource_type}/{resource_id}")

    def check_references(self, resource: Resource) -> None:
        """Raises ValueError when a reference in ``resource`` resolves to nothing."""
        contained = {f"#{inner['id']}" for inner in resource.get("contained", [])}
        for reference in references_in(resource):
            key = local_reference(reference)
            if reference not in contained and (key is None or key not in self.by_key):
                raise ValueError(f"{key_of(resource)}: reference {reference!r} resolves to nothing")


def key_of(resource: Resource) -> str:
    """``Type/id`` of a resource."""
    return f"{resource['resourceType']}/{resource['id']}"


def _checked_list(resource_type: str, found: list[Resource]) -> tuple[Resource, ...]:
    for resource in found:
        if resource.get("resourceType") != resource_type:
            raise ValueError(f"{resource.get('id')!r} is not a {resource_type}")
        if not _FHIR_ID.fullmatch(str(resource.get("id", ""))):
            raise ValueError(f"{resource_type} id {resource.get('id')!r} is not a FHIR id")
    ids = [r["id"] for r in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate {resource_type} ids {duplicates}")
    return tuple(sorted(found, key=lambda r: str(r["id"])))


def references_in(value: Any) -> list[str]:
    """Every ``reference`` string inside ``value``, contained resources excepted."""
    if isinstance(value, list):
        return [ref for item in value for ref in references_in(item)]
    if not isinstance(value, dict):
        return []
    found = [value["reference"]] if isinstance(value.get("reference"), str) else []
    for name, inner in value.items():
        if name != "contained":
            found.extend(references_in(inner))
    return found


def local_reference(reference: str, base: str | None = None) -> str | None:
    """``Type/id`` for a reference to a resource of this server, else None.

    Accepts relative references, stored ones starting with BASE_PLACEHOLDER and, given the
    server's ``base`` URL, absolute ones under it. Contained (``#id``) and foreign references
    give None.
    """
    relative = reference.removeprefix(BASE_PLACEHOLDER)
    if base is not None:
        relative = relative.removeprefix(base)
    match = _LOCAL_REFERENCE.fullmatch(relative)
    return relative if match else None


def served(value: Any, base: str) -> Any:
    """A copy of ``value`` with every BASE_PLACEHOLDER reference made absolute on ``base``."""
    if isinstance(value, list):
        return [served(item, base) for item in value]
    if not isinstance(value, dict):
        return value
    copy = {name: served(inner, base) for name, inner in value.items()}
    reference = copy.get("reference")
    if isinstance(reference, str) and reference.startswith(BASE_PLACEHOLDER):
        copy["reference"] = base + reference.removeprefix(BASE_PLACEHOLDER)
    return copy
