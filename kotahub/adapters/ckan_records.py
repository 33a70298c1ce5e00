"""Maps CKAN packages to programs and DataStore records to indicator series."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from kotahub.adapters.payload_values import text
from kotahub.records import (
    IndicatorPoint,
    IndicatorRecord,
    LocalizedText,
    ProgramRecord,
    Provenance,
)


class RecordError(ValueError):
    """One item cannot be used; the message says which part and why."""


def program_from(package: Any, provenance: Provenance) -> ProgramRecord:
    if not isinstance(package, Mapping) or not text(package.get("name")):
        raise RecordError("a package has no name")
    extras = _extras(package)
    title = text(package.get("title")) or str(package["name"])
    notes = text(package.get("notes"))
    organization = package.get("organization")
    agency = text(organization.get("title")) if isinstance(organization, Mapping) else None
    links = [text(package.get("url"))] + [
        text(r.get("url")) for r in _dicts(package.get("resources"))
    ]
    return ProgramRecord(
        source=provenance.source,
        local_id=str(package.get("id") or package["name"]),
        slug=str(package["name"]),
        dimension=(extras.get("dimension") or "").lower() or None,
        name=LocalizedText(title, extras.get("title_en")),
        provenance=provenance,
        description=LocalizedText(notes, extras.get("notes_en")) if notes else None,
        agency=agency,
        status=extras.get("status"),
        links=tuple(dict.fromkeys(link for link in links if link)),
        tags=tuple(t for t in (text(tag.get("name")) for tag in _dicts(package.get("tags"))) if t),
        indicator_resource=extras.get("indicator_resource_id"),
    )


def indicators_from(
    rows: Iterable[Any], provenance: Provenance
) -> dict[str, list[IndicatorRecord]]:
    """Each program's indicators, each a series sorted by period, from DataStore rows."""
    series: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in _dicts(list(rows)):
        program, code = text(row.get("program")), text(row.get("indicator"))
        if program and code and _number(row.get("value")) is not None:
            series.setdefault((program, code), []).append(row)
    found: dict[str, list[IndicatorRecord]] = {}
    for (program, code), points in series.items():
        found.setdefault(program, []).append(_indicator(code, points, provenance))
    return found


def _indicator(code: str, rows: list[Mapping[str, Any]], provenance: Provenance) -> IndicatorRecord:
    first = max(rows, key=lambda row: str(row.get("period", "")))  # the latest says best
    points = sorted(
        (
            IndicatorPoint(str(r.get("period", "")), float(_number(r.get("value")) or 0))
            for r in rows
        ),
        key=lambda point: point.period,
    )
    return IndicatorRecord(
        code=code,
        name=LocalizedText(text(first.get("name_id")) or code, text(first.get("name_en"))),
        unit=text(first.get("unit")),
        provenance=provenance,
        points=tuple(points),
        target=_number(first.get("target")),
        higher_is_better=(text(first.get("direction")) or "").lower() != "decrease",
        iso_theme=text(first.get("iso37120_theme")),
        frequency=text(first.get("frequency")),
        calculation_period=text(first.get("calculation_period")),
        data_source=text(first.get("source")),
        sample=first.get("sample") in (True, "true", "True", 1),
    )


def _extras(package: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(e.get("key")): str(e.get("value"))
        for e in _dicts(package.get("extras"))
        if e.get("key") is not None and e.get("value") not in (None, "")
    }


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int past any float
        return None
    return number if math.isfinite(number) else None
