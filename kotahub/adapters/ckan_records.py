"""Maps CKAN packages to programs: the dimension from the hub's profile or from the portal's
groups, tags and organization as the options map them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kotahub.adapters.ckan_options import CKANOptions, DimensionFrom
from kotahub.adapters.payload_values import text, text_or_number
from kotahub.records import DIMENSION_CODES, LocalizedText, ProgramRecord, Provenance
from kotahub.upstream.skips import UnusableRecord

INDEX = "all"  # the profile's index dataset (every program's indicators), not a program
OWNER = "#"  # in an indicator resource: the table holds only this program's rows
LABELS_SHOWN = 3  # of each kind, in the reason a package names no dimension
SMART = re.compile(r"^smart[\s_-]*")  # "Smart Economy", as the six are often written
# The profile's fields: extras, or (ckanext-scheming) the package's own top-level fields.
PROFILE = ("dimension", "indicator_resource_id", "status", "title_en", "notes_en")


def program_from(
    package: Any, provenance: Provenance, options: CKANOptions
) -> ProgramRecord | None:
    """The program a package describes; None for the profile's index dataset. Raises
    UnusableRecord when it has no name or no dimension."""
    if not isinstance(package, Mapping):
        raise UnusableRecord("not a record", "a package is not an object")
    slug = text(package.get("name"))
    if slug is None:
        raise UnusableRecord("no id", "a package has no 'name'")
    profile = _profile(package)
    dimension = dimension_of(package, profile, options.dimension_from)
    if dimension == INDEX:
        return None
    notes = text(package.get("notes"))
    organization = package.get("organization")
    agency = text(organization.get("title")) if isinstance(organization, Mapping) else None
    links = [text(package.get("url"))] + [
        text(r.get("url")) for r in _dicts(package.get("resources"))
    ]
    return ProgramRecord(
        source=provenance.source,
        local_id=text_or_number(package.get("id")) or slug,
        slug=slug,
        dimension=dimension,
        name=LocalizedText(text(package.get("title")) or slug, profile.get("title_en")),
        provenance=provenance,
        description=LocalizedText(notes, profile.get("notes_en")) if notes else None,
        agency=agency,
        status=profile.get("status"),
        links=tuple(dict.fromkeys(link for link in links if link)),
        tags=tuple(t for t in (_label(tag, "name") for tag in _listed(package, "tags")) if t),
        indicator_resource=_indicator_resource(package, profile, options, slug),
    )


def dimension_of(package: Mapping[str, Any], profile: Mapping[str, str], by: DimensionFrom) -> str:
    """The code its profile's ``dimension`` names, else the first group, tag or organization
    the options map; raises UnusableRecord for none."""
    named = profile.get("dimension")
    code = _code(named) if named else None
    if code is None:
        code = _mapped(package, by)
    if code is not None:
        return code
    slug = package["name"]
    if named:
        six = ", ".join(DIMENSION_CODES)
        raise UnusableRecord("bad value", f"{slug}: dimension {named!r} is none of {six}")
    raise UnusableRecord("no dimension", f"{slug} ({_described(package)})")


def owned_resource(resource: str) -> tuple[str, str]:
    """The DataStore resource id, and the program all its rows belong to ("" when the
    rows name their program)."""
    resource_id, _, owner = resource.partition(OWNER)
    return resource_id, owner


def _code(named: str) -> str | None:
    code = SMART.sub("", named.strip().casefold())
    return code if code in DIMENSION_CODES or code == INDEX else None


def _mapped(package: Mapping[str, Any], by: DimensionFrom) -> str | None:
    organization = package.get("organization")
    kinds = (
        (by.groups, _listed(package, "groups")),
        (by.tags, _listed(package, "tags")),
        (by.organization, [organization] if organization else []),
    )
    for mapping, entries in kinds:
        for entry in entries if mapping else ():
            for key in ("name", "title", "display_name"):
                label = _label(entry, key)
                if label and label.casefold() in mapping:
                    return mapping[label.casefold()]
    return None


def _described(package: Mapping[str, Any]) -> str:
    """Its groups, tags and organization, for the partner who maps them."""
    organization = package.get("organization")
    kinds = {
        "groups": _listed(package, "groups"),
        "tags": _listed(package, "tags"),
        "organization": [organization] if organization else [],
    }
    parts = []
    for kind, entries in kinds.items():
        labels = [label for label in (_label(e, "name") for e in entries) if label]
        shown = ", ".join(labels[:LABELS_SHOWN]) + (", …" if len(labels) > LABELS_SHOWN else "")
        parts.append(f"{kind}: {shown or 'none'}")
    return "; ".join(parts)


def _indicator_resource(
    package: Mapping[str, Any], profile: Mapping[str, str], options: CKANOptions, slug: str
) -> str | None:
    """The DataStore table of its indicators: the profile's extra, else the options' table;
    where tables name no program, its own first DataStore table, marked as its alone."""
    named = profile.get("indicator_resource_id")
    if options.columns.program:
        return named or options.indicator_resource or None
    own = named or next(
        (
            text_or_number(r.get("id"))
            for r in _dicts(package.get("resources"))
            if r.get("datastore_active") in (True, "true", "True")
        ),
        None,
    )
    return f"{own}{OWNER}{slug}" if own else None


def _label(entry: Any, key: str) -> str | None:
    """A tag's or group's ``key`` (older APIs list them as bare names)."""
    if isinstance(entry, str):
        return text(entry)
    return text(entry.get(key)) if isinstance(entry, Mapping) else None


def _listed(package: Mapping[str, Any], key: str) -> list[Any]:
    value = package.get(key)
    return value if isinstance(value, list) else []


def _profile(package: Mapping[str, Any]) -> dict[str, str]:
    """Its extras, with the profile's fields a ckanext-scheming portal puts at the top."""
    extras = {
        str(e.get("key")): str(e.get("value"))
        for e in _dicts(package.get("extras"))
        if e.get("key") is not None and e.get("value") not in (None, "")
    }
    for key in PROFILE:
        value = text_or_number(package.get(key))
        if value is not None and key not in extras:
            extras[key] = value
    return extras


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
