"""Reading the reference upstream directly, to compare what the hub says with the source."""

from __future__ import annotations

from typing import Any

import httpx


async def fetch_json(url: str, **params: Any) -> Any:
    async with httpx.AsyncClient() as http:
        response = await http.get(url, params=params)
        response.raise_for_status()
        return response.json()


async def fetch_status(url: str) -> int:
    async with httpx.AsyncClient() as http:
        return (await http.get(url)).status_code
