"""The six kecamatan as places of their own: their names and their complaint record."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from kotahub.contract import ComplaintQuery
from kotahub.errors import ClientInputError
from kotahub.records import ComplaintRecord
from kotahub.resolvers.complaints import closed_on_time, is_overdue
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.smart_city import KECAMATAN
from kotahub.resolvers.text_match import fold

SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True, slots=True)
class CategoryCount:
    code: str | None
    name: str | None
    total: int
    open: int


@dataclass(frozen=True, slots=True)
class ComplaintStats:
    """How a district's complaints stand: counts, deadlines kept, and time to close."""

    total: int
    open: int
    closed: int
    overdue: int
    closed_on_time: int
    on_time_rate: float | None
    median_days_to_close: float | None
    by_category: tuple[CategoryCount, ...]


def district_named(name: str) -> str:
    """The kecamatan a name means, in any case, with or without "Balikpapan"."""
    wanted = fold(name)
    for district in KECAMATAN:
        if wanted in (fold(district), fold(district).removeprefix("balikpapan ")):
            return district
    raise ClientInputError(
        f"district {name!r} is not a kecamatan of the city; expected one of: "
        + ", ".join(KECAMATAN)
    )


async def complaint_stats(scope: RequestScope, district: str) -> Partial[ComplaintStats]:
    """Statistics of the complaints each source lists by default (Open311: its latest 90 days)."""
    keys = [(adapter.source, ComplaintQuery()) for adapter in scope.catalog.complaints]
    found = await from_every_source(scope.loaders.complaints, keys)
    mine = [r for r in found.value if fold(r.district or "") == fold(district)]
    return Partial(_stats(scope, mine), found.failures)


def _stats(scope: RequestScope, records: list[ComplaintRecord]) -> ComplaintStats:
    closed = [r for r in records if r.status == "closed"]
    judged = [on_time for r in closed if (on_time := closed_on_time(scope, r)) is not None]
    days = [
        (r.updated_at - r.requested_at).total_seconds() / SECONDS_PER_DAY
        for r in closed
        if r.updated_at and r.requested_at
    ]
    return ComplaintStats(
        total=len(records),
        open=len(records) - len(closed),
        closed=len(closed),
        overdue=sum(1 for r in records if is_overdue(scope, r)),
        closed_on_time=sum(judged),
        on_time_rate=round(sum(judged) / len(judged), 4) if judged else None,
        median_days_to_close=round(statistics.median(days), 2) if days else None,
        by_category=_by_category(records),
    )


def _by_category(records: list[ComplaintRecord]) -> tuple[CategoryCount, ...]:
    totals = Counter((r.category_code, r.category_name) for r in records)
    still_open = Counter((r.category_code, r.category_name) for r in records if r.status == "open")
    ordered = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0][0] or ""))
    return tuple(
        CategoryCount(code, name, total, still_open[(code, name)])
        for (code, name), total in ordered
    )
