"""Links inside a source, and URLs shown without their secrets."""

from __future__ import annotations

import pytest

from kotahub.errors import SourcePayloadError
from kotahub.redaction import redact_url
from kotahub.upstream.urls import resolve_link, shown

BASE = "https://data.example/api/items?region=kaltim"


def test_links_resolve_against_the_page_they_came_from() -> None:
    page = "https://data.example/api/items?offset=10"
    assert resolve_link("s", BASE, "items?offset=20", page) == (
        "https://data.example/api/items?offset=20"
    )
    assert resolve_link("s", BASE, "") == BASE
    assert resolve_link("s", BASE, "https://data.example:443/x") == "https://data.example:443/x"


def test_links_to_another_origin_are_refused() -> None:
    with pytest.raises(SourcePayloadError, match="leaves the source's origin"):
        resolve_link("s", BASE, "https://evil.example/steal")
    with pytest.raises(SourcePayloadError):
        resolve_link("s", BASE, "http://data.example/api/items")  # scheme downgrade


def test_shown_urls_mask_secret_values() -> None:
    text = shown("https://x/items?limit=5&api_key=abc&access_token=def&q=pantai")
    assert text == "/items?limit=5&api_key=***&access_token=***&q=pantai"


def test_redis_urls_lose_their_password() -> None:
    assert redact_url("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact_url("redis://user:s3cret@cache/0") == "redis://user:***@cache/0"
    assert redact_url("redis://cache:6379/0") == "redis://cache:6379/0"
