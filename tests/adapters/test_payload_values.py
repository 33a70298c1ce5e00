"""Strings read from an upstream's JSON: blank or mistyped ones read as None."""

from __future__ import annotations

from typing import Any

import pytest

from kotahub.adapters.payload_values import text, text_or_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Pantai Manggar ", "Pantai Manggar"),
        ("x", "x"),
        ("", None),
        (" \t\n", None),
        (None, None),
        (42, None),
        (True, None),
        (["a"], None),
        ({"id": "a"}, None),
    ],
)
def test_text_is_a_non_blank_string_stripped(value: Any, expected: str | None) -> None:
    assert text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" 311 ", "311"),
        (311, "311"),
        (2.5, "2.5"),
        (0, "0"),
        (True, None),
        (False, None),
        ("  ", None),
        (None, None),
        ([1], None),
    ],
)
def test_text_or_number_writes_numbers_out(value: Any, expected: str | None) -> None:
    assert text_or_number(value) == expected
