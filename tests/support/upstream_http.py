"""Checks every reference upstream shares: following next links, conditional GETs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

MAX_PAGES = 50


async def follow_pages(
    http: httpx.AsyncClient, first: str, next_of: Callable[[Any], str | None]
) -> list[Any]:
    """Every page from ``first`` on, following the link ``next_of`` finds in each."""
    pages: list[Any] = []
    target: str | None = first
    while target is not None:
        response = await http.get(target)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        target = next_of(pages[-1])
        assert len(pages) <= MAX_PAGES, "paging does not end"
    return pages


async def assert_conditional_get(
    http: httpx.AsyncClient, path: str, cache_control: str = "public, max-age=300"
) -> None:
    """A strong ETag that stays the same, 304 for it (weakly compared too), 200 for another."""
    first = await http.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == cache_control
    assert (await http.get(path)).headers["etag"] == etag
    cached = await http.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    assert cached.headers["etag"] == etag
    weak = await http.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    assert (await http.get(path, headers={"If-None-Match": '"x"'})).status_code == 200
