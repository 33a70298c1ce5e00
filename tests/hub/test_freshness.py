"""Cache lifetimes from Cache-Control."""

from __future__ import annotations

import pytest

from kotahub.hub.freshness import cache_ttl


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, 60.0),
        ("", 60.0),
        ("public, max-age=300", 300.0),
        ("max-age=10, s-maxage=120", 120.0),
        ('max-age="45"', 45.0),
        ("no-store", 0.0),
        ("private, max-age=600", 600.0),
        ("no-cache", 0.0),
        ("max-age=0", 0.0),
        ("max-age=soon", 60.0),
        ("public", 60.0),
    ],
)
def test_cache_ttl(header: str | None, expected: float) -> None:
    assert cache_ttl(header, 60.0) == expected
