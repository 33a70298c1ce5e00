"""``extensions.stale``: which sources an answer was served stale from, and since when."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import SchemaExtension

from kotahub.upstream.usage import CURRENT_TRACE


class StaleReport(SchemaExtension):
    """Adds ``stale: [{source, fetchedAt}]`` to the response's extensions when any of the
    data used was past its time to live (served while refreshing, or the upstream failed)."""

    def get_results(self) -> dict[str, Any]:
        return stale_report()


def stale_report() -> dict[str, Any]:
    """``{"stale": [...]}`` for the request's trace so far, or nothing when all was fresh."""
    trace = CURRENT_TRACE.get()
    if trace is None or not trace.stale:
        return {}
    oldest: dict[str, str] = {}
    for use in sorted(trace.stale, key=lambda use: use.fetched_at):
        oldest.setdefault(use.source, use.fetched_at.isoformat())
    return {"stale": [{"source": s, "fetchedAt": at} for s, at in sorted(oldest.items())]}
