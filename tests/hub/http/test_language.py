"""Accept-Language picks Indonesian or English by q-value; Indonesian when unsure."""

from __future__ import annotations

import pytest

from kotahub.hub.http.language import preferred_lang


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "id"),
        ("", "id"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,en;q=0.8", "id"),
        ("fr,en;q=0.5", "en"),
        ("en;q=0.3,id;q=0.7", "id"),
        ("en;q=0", "id"),
        ("de,fr", "id"),
        ("in", "id"),
        ("en;q=abc", "id"),
    ],
)
def test_preferred_lang(header: str | None, expected: str) -> None:
    assert preferred_lang(header, "id") == expected
