"""How the search index scales: the sample city at 1x, 10x and 100x, measured side by side.

The records are the reference upstreams' sample data, read through the real adapters; the
larger cities are copies of it with new ids, names and positions. Run with `make bench-search`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import overload
from zoneinfo import ZoneInfo

import httpx

from kotahub.adapters.catalog import Catalog
from kotahub.adapters.registry import build_adapter
from kotahub.demo.app import create_demo_app
from kotahub.hub.embedded import embedded_mounts, embedded_sources
from kotahub.hub.settings import Settings
from kotahub.records import (
    ComplaintRecord,
    GeoPoint,
    HealthFacilityRecord,
    LocalizedText,
    Near,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.resolvers.city_index import CityIndex, CityView, build_index
from kotahub.resolvers.city_items import (
    ALL_KINDS,
    Batch,
    CityItem,
    ItemRecord,
    items_of,
    load_batches,
    stamp_of,
)
from kotahub.resolvers.loaders import make_loaders
from kotahub.resolvers.nearby import closest
from kotahub.resolvers.scope import PageLimits, RequestScope
from kotahub.resolvers.search import checked_terms, ranked
from kotahub.resolvers.search_text import analysed
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient

QUERIES = (
    "pantai", "mangar", "rumah sakit", "pkm klandasan", "sampah menumpuk", "beach",
    "hospitl", "bus kota", "lampu jalan mati", "kebun raya", "apotik 24 jam", "banjir",
)  # fmt: skip
CITY_CENTRE = GeoPoint(lat=-1.2654, lon=116.8312)
RESULTS = Path(__file__).parent / "results" / "search-scale.md"


@dataclass(frozen=True)
class Figures:
    """What one size of city measured."""

    scale: int
    items: int
    terms: int
    build_ms: float
    index_mb: float
    view_ms: float
    search_p50_ms: float
    search_p99_ms: float
    near_p50_ms: float
    nearby_p50_ms: float
    nearby_p99_ms: float


async def sample_batches() -> list[Batch]:
    """Every record of the sample city, fetched from the reference upstreams in process."""
    settings = Settings(redis_url="redis://127.0.0.1:1")
    mounts = embedded_mounts(settings, create_demo_app())
    async with httpx.AsyncClient(mounts=mounts) as http:
        client = SourceClient(http, MemoryStore(10_000), "bench")
        sources = embedded_sources(settings)
        catalog = Catalog(tuple(build_adapter(source, client) for source in sources))
        scope = RequestScope(
            catalog=catalog,
            loaders=make_loaders(catalog),
            lang="id",
            zone=ZoneInfo(settings.city_timezone),
            now=datetime.now(UTC),
            page_limits=PageLimits(20, 100),
        )
        found = await load_batches(scope, ALL_KINDS)
    if found.failures:
        raise SystemExit(f"the sample upstreams failed: {found.failures}")
    return found.value


def scaled(batches: Sequence[Batch], scale: int) -> list[Batch]:
    """The city ``scale`` times over: each copy with its own ids, names and positions."""
    copies = [_copy(batch, n) for n in range(1, scale) for batch in batches]
    return [*batches, *copies]


def _copy(batch: Batch, n: int) -> Batch:
    program = batch.program
    if program is not None:
        program = replace(program, local_id=f"{program.local_id}~{n}")
    return Batch(batch.kind, [_copied(record, n) for record in batch.records], program)


def _copied(record: ItemRecord, n: int) -> ItemRecord:
    """A copy with its own id, name, position and text, as a distinct record would have."""
    local_id = f"{getattr(record, 'local_id', '')}~{n}"
    if isinstance(record, TouristSpotRecord):
        moved = _moved(record.location, local_id)
        text = _numbered(record.description, n)
        named = replace(record, local_id=local_id, name=f"{record.name} {n}", location=moved)
        return replace(named, description=text)
    if isinstance(record, HealthFacilityRecord):
        moved = _moved(record.location, local_id)
        return replace(record, local_id=local_id, name=f"{record.name} {n}", location=moved)
    if isinstance(record, ComplaintRecord):
        moved = _moved(record.location, local_id)
        said = f"{record.description} ({n})" if record.description else None
        return replace(record, local_id=local_id, location=moved, description=said)
    if isinstance(record, ProgramRecord):
        about = _numbered(record.description, n)
        renamed = replace(record, local_id=local_id, name=_numbered(record.name, n))
        return replace(renamed, description=about)
    return replace(record, name=_numbered(record.name, n))


def _moved(point: GeoPoint | None, seed: str) -> GeoPoint | None:
    if point is None:
        return None
    shift = random.Random(seed)
    return GeoPoint(
        lat=point.lat + shift.uniform(-0.05, 0.05), lon=point.lon + shift.uniform(-0.05, 0.05)
    )


@overload
def _numbered(text: LocalizedText, n: int) -> LocalizedText: ...
@overload
def _numbered(text: None, n: int) -> None: ...
def _numbered(text: LocalizedText | None, n: int) -> LocalizedText | None:
    if text is None:
        return None
    return LocalizedText(f"{text.id} ({n})", f"{text.en} ({n})" if text.en else None)


def measure(batches: list[Batch], scale: int) -> Figures:
    analysed.cache_clear()  # each size starts with no text analysed
    items = items_of(batches)
    build_ms = _median_ms(lambda: _indexes(items), runs=3)
    view = CityView(_indexes(items), ())
    near = Near(CITY_CENTRE, 5.0)
    searches = [_ms(partial(_search, view, q, None)) for q in QUERIES * 5]
    near_searches = [_ms(partial(_search, view, q, near)) for q in QUERIES]
    located = [item for item in items if item.location is not None]
    sample = random.Random(scale).sample(located, min(300, len(located)))
    nearby = [_ms(partial(_around, view, item)) for item in sample]
    return Figures(
        scale=scale,
        items=len(items),
        terms=sum(index.text.term_count for index in view.indexes),
        build_ms=build_ms,
        index_mb=_index_mb(items),
        view_ms=_median_ms(lambda: stamp_of(batches), runs=5),
        search_p50_ms=_percentile(searches, 50),
        search_p99_ms=_percentile(searches, 99),
        near_p50_ms=_percentile(near_searches, 50),
        nearby_p50_ms=_percentile(nearby, 50),
        nearby_p99_ms=_percentile(nearby, 99),
    )


def _indexes(items: list[CityItem]) -> tuple[CityIndex, ...]:
    """One index per kind, as the hub keeps them."""
    kinds = [kind for kind in ALL_KINDS if any(item.kind == kind for item in items)]
    return tuple(build_index([item for item in items if item.kind == kind]) for kind in kinds)


def _search(view: CityView, text: str, near: Near | None) -> object:
    return ranked(view, checked_terms(text), near)


def _around(view: CityView, item: CityItem) -> object:
    return closest(view, item.key, Near(item.location or CITY_CENTRE, 1.0), 10)


def _ms(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def _median_ms(work: Callable[[], object], runs: int) -> float:
    return statistics.median(_ms(work) for _ in range(runs))


def _percentile(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _index_mb(items: list[CityItem]) -> float:
    """Memory the index holds beyond the records themselves."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    indexes = _indexes(items)
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del indexes
    return held / 1e6


def table(figures: list[Figures]) -> str:
    base = figures[0]
    rows: list[tuple[str, Callable[[Figures], str], Callable[[Figures], float]]] = [
        ("records", lambda f: f"{f.items:,}", lambda f: f.items / base.items),
        ("distinct terms", lambda f: f"{f.terms:,}", lambda f: f.terms / base.terms),
        ("index build (once per data refresh)", _fmt("build_ms"), _ratio("build_ms", base)),
        ("index memory", lambda f: f"{f.index_mb:.1f} MB", lambda f: f.index_mb / base.index_mb),
        ("per-request check that the index is current", _fmt("view_ms"), _ratio("view_ms", base)),
        ("search p50", _fmt("search_p50_ms"), _ratio("search_p50_ms", base)),
        ("search p99", _fmt("search_p99_ms"), _ratio("search_p99_ms", base)),
        ("search near, p50", _fmt("near_p50_ms"), _ratio("near_p50_ms", base)),
        ("nearby (1 km, 10 places) p50", _fmt("nearby_p50_ms"), _ratio("nearby_p50_ms", base)),
        ("nearby p99", _fmt("nearby_p99_ms"), _ratio("nearby_p99_ms", base)),
    ]
    header = "| | " + " | ".join(f"{f.scale}x" for f in figures) + " |"
    lines = [header, "|---" * (len(figures) + 1) + "|"]
    for label, value, ratio in rows:
        cells = [f"{value(f)} ({ratio(f):.1f}x)" if f is not base else value(f) for f in figures]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _fmt(name: str) -> Callable[[Figures], str]:
    return lambda f: f"{getattr(f, name):.2f} ms"


def _ratio(name: str, base: Figures) -> Callable[[Figures], float]:
    return lambda f: getattr(f, name) / getattr(base, name)


def machine() -> str:
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.processor() or "unknown CPU",
    )
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def _cpuinfo() -> list[str]:
    path = Path("/proc/cpuinfo")
    return path.read_text().splitlines() if path.exists() else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    batches = asyncio.run(sample_batches())
    figures = [measure(scaled(batches, scale), scale) for scale in args.scales]
    report = "\n".join([
        "# Search index at 1x, 10x and 100x the sample city",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()} by `make bench-search`.",
        "Ratios in brackets are to the 1x column of the same run. The larger cities are",
        "copies of the sample with their own ids, names, descriptions and positions; they",
        "share its vocabulary, so looking up typos (which scans the vocabulary) costs less",
        "than in a city with that many different words. Search times are over a mix of",
        f"{len(QUERIES)} searches ({', '.join(QUERIES[:4])}, ...), each run five times.",
        "",
        table(figures),
        "",
    ])  # fmt: skip
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
