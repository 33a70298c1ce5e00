"""Whether each configured source answers right now."""

from __future__ import annotations

import asyncio

from kotahub.adapters.catalog import Catalog
from kotahub.contract import Adapter
from kotahub.errors import SourceError


async def source_problems(catalog: Catalog, cap_seconds: float) -> dict[str, str | None]:
    """Each source's name with None when it answers, else what went wrong."""
    adapters = catalog.adapters
    problems = await asyncio.gather(*(_probe(adapter, cap_seconds) for adapter in adapters))
    return {adapter.source: problem for adapter, problem in zip(adapters, problems, strict=True)}


async def _probe(adapter: Adapter, cap_seconds: float) -> str | None:
    try:
        async with asyncio.timeout(cap_seconds):
            await adapter.probe()
    except SourceError as exc:
        return f"{exc.code}: {exc.detail}"
    except TimeoutError:
        return f"UPSTREAM_TIMEOUT: no answer within {cap_seconds:g}s"
    return None
