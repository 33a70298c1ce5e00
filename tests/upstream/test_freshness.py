"""Cache lifetimes and stale windows from Cache-Control."""

from __future__ import annotations

import pytest

from kotahub.upstream.cache_control import cache_policy


@pytest.mark.parametrize(
    ("header", "fresh", "on_error", "while_revalidating"),
    [
        (None, 60.0, 30.0, 30.0),
        ("", 60.0, 30.0, 30.0),
        ("public, max-age=300", 300.0, 30.0, 30.0),
        ("max-age=10, s-maxage=120", 120.0, 30.0, 30.0),
        ('max-age="45"', 45.0, 30.0, 30.0),
        ("no-store", 0.0, 0.0, 0.0),
        ("private, max-age=600", 600.0, 30.0, 30.0),
        ("no-cache", 0.0, 0.0, 0.0),
        ("max-age=0", 0.0, 30.0, 30.0),
        ("max-age=soon", 60.0, 30.0, 30.0),
        ("public", 60.0, 30.0, 30.0),
        ("max-age=60, stale-while-revalidate=600", 60.0, 600.0, 600.0),
        ("max-age=60, stale-while-revalidate=5, stale-if-error=86400", 60.0, 86400.0, 5.0),
        ("max-age=60, stale-if-error=600", 60.0, 600.0, 0.0),
        ("max-age=60, stale-if-error=0", 60.0, 0.0, 0.0),
        ("max-age=60, must-revalidate, stale-if-error=600", 60.0, 0.0, 0.0),
    ],
)
def test_cache_policy(
    header: str | None, fresh: float, on_error: float, while_revalidating: float
) -> None:
    policy = cache_policy(header, 60.0, 30.0)
    assert (policy.fresh_seconds, policy.stale_seconds) == (fresh, on_error)
    assert policy.serve_while_revalidating == while_revalidating


def test_only_a_positive_lifetime_is_cacheable() -> None:
    assert cache_policy("max-age=1", 60.0, 30.0).cacheable
    assert not cache_policy("max-age=0", 60.0, 30.0).cacheable
