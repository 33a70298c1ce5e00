"""Cold-cache single flight: many identical queries at once cost each upstream resource once."""

from __future__ import annotations

from dataclasses import dataclass

from bench.configurations import Bench
from bench.hub import post_landing, redis_fallbacks, upstream_by_source
from bench.measure import loadgen


@dataclass(frozen=True)
class ColdCheck:
    """Upstream calls of one cold query, and of ``concurrent`` identical cold queries at once."""

    concurrent: int
    response_cache: bool
    distinct_resources: int
    burst_upstream_calls: int
    one_by_source: dict[str, int]
    burst_by_source: dict[str, int]
    redis_fallbacks: list[str]
    burst_ok: int
    burst_errors: int
    burst_p50_ms: float
    burst_p99_ms: float
    peak_mb: float

    @property
    def met(self) -> bool:
        return self.burst_upstream_calls == self.distinct_resources


def one_cold_query(bench: Bench, response_cache: bool) -> dict[str, int]:
    """Upstream calls of one cold landing query on a fresh hub, by source: the resources it
    needs (the upstream cache is on, so a resource asked for twice is fetched once)."""
    hub = bench.hub("one", response_cache=response_cache, upstream_cache=True)
    try:
        before = upstream_by_source(hub)
        post_landing(hub, bench.body.read_bytes())
        return _rise(before, upstream_by_source(hub))
    finally:
        hub.stop()


def _rise(before: dict[str, float], after: dict[str, float]) -> dict[str, int]:
    return {name: round(count - before.get(name, 0.0)) for name, count in sorted(after.items())}


def cold_check(bench: Bench, concurrent: int, response_cache: bool = False) -> ColdCheck:
    """``concurrent`` identical landing queries sent at once to another fresh hub."""
    one = one_cold_query(bench, response_cache)
    hub = bench.hub("burst", response_cache=response_cache, upstream_cache=True)
    try:
        before = upstream_by_source(hub)
        run = loadgen(hub.port, bench.body, "--burst", str(concurrent))
        burst = _rise(before, upstream_by_source(hub))
        return ColdCheck(
            concurrent=concurrent,
            response_cache=response_cache,
            distinct_resources=sum(one.values()),
            burst_upstream_calls=sum(burst.values()),
            one_by_source=one,
            burst_by_source=burst,
            redis_fallbacks=redis_fallbacks(hub),
            burst_ok=int(run["requests"]),
            burst_errors=int(run["errors"]),
            burst_p50_ms=run["p50_ms"],
            burst_p99_ms=run["p99_ms"],
            peak_mb=hub.peak_memory_mb(),
        )
    finally:
        hub.stop()
