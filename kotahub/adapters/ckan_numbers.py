"""Numbers as DataStore tables hold them: JSON numbers, Postgres's text for a numeric column
(older CKANs send numeric values as strings), or text as people write it ("12,5", "1.234")."""

from __future__ import annotations

import re
from typing import Any

from kotahub.adapters.payload_values import finite

# DataStore column types whose values are numbers (Postgres names and their aliases).
NUMERIC_TYPES = frozenset(
    {"numeric", "int", "int2", "int4", "int8", "integer", "smallint", "bigint"}
    | {"float", "float4", "float8", "real", "double precision", "decimal"}
)
# What a cell holds when there is no figure (yet): the hub reads no number from it.
NO_FIGURE = frozenset({"", "-", "\u2013", "\u2014", "n/a", "na", "null"})  # dashes too
BLANKS = re.compile(r"[\s\u00a0\u2009\u202f]+")
MACHINE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
WRITTEN = re.compile(r"([+-]?)(\d[\d.,]*\d|\d)")
THOUSANDS = re.compile(r"[1-9]\d{0,2}[.,]\d{3}")  # one separator: "1.234" or "1,234"


class Unreadable(ValueError):
    """A cell that holds something, but not a number; the message says what."""


def number_in(value: Any, numeric_column: bool, decimal: str | None) -> float | None:
    """The number a cell holds; None for an empty one ("", "-", "n/a"). ``decimal`` is the
    separator text cells use (None: unknown, so "1.234" cannot be read)."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = finite(value)
        if number is None:
            raise Unreadable(f"{value!r} is not a finite number")
        return number
    if not isinstance(value, str):
        raise Unreadable(f"{value!r} is not a number")
    written = BLANKS.sub("", value).removesuffix("%")
    if written.casefold() in NO_FIGURE:
        return None
    shown = value.strip()
    if numeric_column and MACHINE.fullmatch(written):
        number = finite(float(written))
        if number is None:
            raise Unreadable(f"{shown!r} is not a finite number")
        return number
    return _as_written(written, decimal, shown)


def _as_written(written: str, decimal: str | None, shown: str) -> float:
    """A number with a decimal comma or point and maybe thousands separators."""
    match = WRITTEN.fullmatch(written)
    if match is None:
        raise Unreadable(f"{shown!r} is not a number")
    sign, digits = match.groups()
    marks = [c for c in digits if c in ".,"]
    if len(set(marks)) == 2:
        point = digits[max(digits.rfind("."), digits.rfind(","))]  # the last mark
    elif len(marks) == 1 and marks[0] != decimal and THOUSANDS.fullmatch(digits):
        if decimal is None:
            raise Unreadable(
                f"{shown!r} is {digits.replace(marks[0], '')} or "
                f"{digits.replace(',', '.')}: say which with options.decimal"
            )
        point = ""  # "1.234" where the decimal separator is ","
    else:
        point = marks[0] if len(marks) == 1 else ""
    whole, _, fraction = digits.rpartition(point) if point else (digits, "", "")
    grouping = {".", ","} - {point}
    if not _grouped(whole, grouping) or not (fraction.isdigit() or not point):
        raise Unreadable(f"{shown!r} is not a number")
    for mark in grouping:
        whole = whole.replace(mark, "")
    return float(f"{sign}{whole}.{fraction or 0}")


def _grouped(whole: str, grouping: set[str]) -> bool:
    """Digits, maybe in thousands: 1234, 1.234 or 1,234,567, but not 12.34.5."""
    if whole.isdigit():
        return True
    mark = next((m for m in grouping if m in whole), "")
    if not mark or any(other in whole for other in grouping - {mark}):
        return False
    first, *rest = whole.split(mark)
    return (
        1 <= len(first) <= 3
        and first.isdigit()
        and all(len(part) == 3 and part.isdigit() for part in rest)
    )
