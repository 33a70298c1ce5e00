"""Maps DataStore rows to indicator series, by the column names the options give."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kotahub.adapters.ckan_numbers import NUMERIC_TYPES, Unreadable, number_in
from kotahub.adapters.ckan_options import CKANOptions
from kotahub.adapters.payload_values import array, text_or_number
from kotahub.records import IndicatorPoint, IndicatorRecord, LocalizedText, Provenance
from kotahub.upstream.skips import UnusableRecord

COLUMNS_SHOWN = 12  # of a table without a column the options name


@dataclass(frozen=True, slots=True)
class Point:
    """One usable row: whose indicator, for which period, what value."""

    program: str
    code: str
    period: str
    value: float
    row: Mapping[str, Any]


class RowReader:
    """Reads rows of one DataStore table; ``owner`` is the program every row belongs to
    when the table names none (``columns.program`` is "")."""

    def __init__(self, options: CKANOptions, owner: str, fields: Any) -> None:
        self._columns = options.columns
        self._decimal = options.decimal
        self._owner = owner
        described = [f for f in array(fields) if isinstance(f, Mapping)]
        self._types = {str(f.get("id")): str(f.get("type", "")).lower() for f in described}

    def point(self, row: Any, number: int) -> Point:
        """The point a row gives; raises UnusableRecord saying which column is wrong."""
        if not isinstance(row, Mapping):
            raise UnusableRecord("not a record", f"row {number} is not an object")
        label = f"row {text_or_number(row.get('_id')) or number}"
        columns = self._columns
        program = self._owner or self._key(row, columns.program, label, "program")
        code = self._key(row, columns.indicator, label, "indicator code")
        period = self._key(row, columns.period, label, "period")
        try:
            value = self._number(row, columns.value)
        except Unreadable as exc:
            raise UnusableRecord("bad value", f"{label} ({code} {period}): {exc}") from exc
        if value is None:
            where = self._absent(columns.value) or f"column {columns.value!r} is empty"
            raise UnusableRecord("no value", f"{label} ({code} {period}): {where}")
        return Point(program, code, period, value, row)

    def series(
        self, points: Iterable[Point], provenance: Provenance
    ) -> dict[str, list[IndicatorRecord]]:
        """Each program's indicators, each a series sorted by period."""
        grouped: dict[tuple[str, str], list[Point]] = {}
        for point in points:
            grouped.setdefault((point.program, point.code), []).append(point)
        found: dict[str, list[IndicatorRecord]] = {}
        for (program, code), series in grouped.items():
            found.setdefault(program, []).append(self._indicator(code, series, provenance))
        return found

    def _indicator(self, code: str, series: list[Point], provenance: Provenance) -> IndicatorRecord:
        row = max(series, key=lambda point: point.period).row  # the latest says best
        columns = self._columns
        named = self._text(row, columns.name)
        return IndicatorRecord(
            code=code,
            name=LocalizedText(named or code, self._text(row, columns.name_en)),
            unit=self._text(row, columns.unit),
            provenance=provenance,
            points=tuple(sorted((IndicatorPoint(p.period, p.value) for p in series), key=_period)),
            target=self._optional_number(row, columns.target),
            higher_is_better=(self._text(row, columns.direction) or "").lower() != "decrease",
            iso_theme=self._text(row, columns.iso_theme),
            frequency=self._text(row, columns.frequency),
            calculation_period=self._text(row, columns.calculation_period),
            data_source=self._text(row, columns.source),
            sample=row.get(columns.sample) in (True, "true", "True", 1)
            if columns.sample
            else False,
        )

    def _key(self, row: Mapping[str, Any], column: str, label: str, what: str) -> str:
        found = _written(row.get(column))
        if found is None:
            where = self._absent(column) or f"column {column!r} is empty"
            raise UnusableRecord("no id", f"{label} has no {what}: {where}")
        return found

    def _absent(self, column: str) -> str | None:
        """What to say when the table has no such column (as far as its fields tell)."""
        if not self._types or column in self._types:
            return None
        shown = ", ".join(list(self._types)[:COLUMNS_SHOWN])
        return f"the table has no column {column!r} (its columns: {shown})"

    def _number(self, row: Mapping[str, Any], column: str) -> float | None:
        numeric = self._types.get(column) in NUMERIC_TYPES
        return number_in(row.get(column), numeric, self._decimal)

    def _optional_number(self, row: Mapping[str, Any], column: str) -> float | None:
        try:
            return self._number(row, column) if column else None
        except Unreadable:
            return None  # a target is an aid: an unreadable one leaves the series usable

    @staticmethod
    def _text(row: Mapping[str, Any], column: str) -> str | None:
        return text_or_number(row.get(column)) if column else None


def _written(value: Any) -> str | None:
    """A key as text: a year a numeric column holds as 2021.0 reads "2021"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text_or_number(value)


def _period(point: IndicatorPoint) -> str:
    return point.period
