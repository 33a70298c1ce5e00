"""Numbers as DataStore tables hold them, read or refused with a reason, never guessed."""

from __future__ import annotations

from typing import Any

import pytest

from kotahub.adapters.ckan_numbers import Unreadable, number_in


@pytest.mark.parametrize(
    ("cell", "decimal", "number"),
    [
        (12, None, 12.0),
        (12.5, None, 12.5),
        ("12,5", None, 12.5),  # a decimal comma: "5" cannot be a group of thousands
        ("0,125", None, 0.125),  # nor can a group start "0"
        ("1.234,5", None, 1234.5),
        ("1,234.5", None, 1234.5),
        ("1.234.567", None, 1234567.0),
        ("2.500.000,5", ",", 2500000.5),
        ("1.234", ",", 1234.0),
        ("1.234", ".", 1.234),
        ("1,234", ".", 1234.0),
        ("-12,5", None, -12.5),
        ("85 %", None, 85.0),
        ("\u00a01 234\u00a0", None, 1234.0),
    ],
)
def test_figures_are_read_as_people_write_them(
    cell: Any, decimal: str | None, number: float
) -> None:
    assert number_in(cell, False, decimal) == number


def test_a_numeric_column_holds_postgres_text_with_a_point() -> None:
    assert number_in("1.234", True, ",") == 1.234  # CKAN before 2.10: numeric as a string
    assert number_in("1e3", True, None) == 1000.0


@pytest.mark.parametrize("cell", [None, "", " ", "-", "\u2014", "n/a", "NULL"])
def test_an_empty_cell_holds_no_figure(cell: Any) -> None:
    assert number_in(cell, False, ",") is None


@pytest.mark.parametrize(
    ("cell", "decimal", "said"),
    [
        ("1.234", None, "'1.234' is 1234 or 1.234: say which with options.decimal"),
        ("1,234", None, "options.decimal"),
        ("12 kg", ",", "'12 kg' is not a number"),
        ("1,5,6", None, "not a number"),
        ("12.34.5", None, "not a number"),
        ("NaN", None, "not a number"),
        ("1e400", None, "not a number"),
        (True, None, "True is not a number"),
        (float("inf"), None, "not a finite number"),
        ({"value": 1}, None, "not a number"),
    ],
)
def test_what_is_no_number_is_refused_saying_what(
    cell: Any, decimal: str | None, said: str
) -> None:
    with pytest.raises(Unreadable, match=said.replace(".", r"\.")):
        number_in(cell, False, decimal)
