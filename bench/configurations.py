"""The configurations answering the landing query, each measured in its own server."""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from bench import landing, near_me
from bench.graphql_limit import execution_ms
from bench.hub import (
    PARTNER_KEY,
    HubConfig,
    post_landing,
    redis_fallbacks,
    response_hits,
    start_hub,
    upstream_requests,
)
from bench.measure import Load, Requests, Result, measure
from bench.processes import Server, clean_environment, free_port, serve


@dataclass(frozen=True)
class Bench:
    """What every configuration shares: the upstreams, Redis, the query and the load."""

    work: Path
    run_id: str
    upstreams: str
    redis_url: str
    body: Path
    load: Load

    def prefix(self, name: str) -> str:
        """A cache prefix of this run's own, so no run reads another's cache."""
        return f"bench-{self.run_id}-{name}"

    def hub(
        self,
        name: str,
        response_cache: bool,
        upstream_cache: bool,
        rate_limits: bool = True,
        partner_key: bool = False,
    ) -> Server:
        config = HubConfig(
            self.prefix(name), response_cache, upstream_cache, rate_limits, partner_key
        )
        return start_hub(f"hub-{name}", config, self.upstreams, self.redis_url, self.work)


def hub_response_cache(bench: Bench) -> tuple[Result, bytes]:
    """(2) Whole-response cache hit; also returns the bytes the hub answered, for (1)."""
    label = "hub, whole-response cache hit"
    return _hub("hub_response_hit", label, bench, response_cache=True, upstream_cache=True)


def bare_route(bench: Bench, answer: bytes) -> Result:
    """(1) A bare Starlette route answering the hub's own response bytes."""
    answer_file = bench.work / "hub-answer.json"
    answer_file.write_bytes(answer)
    port = free_port()
    args = ["-m", "bench.bare_route", "--port", str(port), "--body", str(answer_file)]
    server = serve("bare-route", args, port, bench.work, clean_environment())
    try:
        label = "bare Starlette route (same bytes)"
        return measure("bare_route", label, server, bench.body, bench.load, lambda: 0.0)
    finally:
        server.stop()


def hub_upstream_warm(bench: Bench) -> Result:
    """(3) Response cache off, upstream answers warm in Redis."""
    label = "hub, upstream cache warm, response cache off"
    return _hub("hub_upstream_warm", label, bench, response_cache=False, upstream_cache=True)[0]


def hub_cold(bench: Bench) -> Result:
    """(4) Both caches off: every query goes upstream, batched per request, single-flighted."""
    label = "hub, caches cold (both off)"
    return _hub("hub_cold", label, bench, response_cache=False, upstream_cache=False)[0]


def hub_hit_without_rate_limits(bench: Bench) -> Result:
    """(6) As (2), with rate limits off: what counting every request in Redis costs."""
    label = "hub, whole-response cache hit, rate limits off"
    key = "hub_hit_no_limits"
    return _hub(key, label, bench, response_cache=True, upstream_cache=True, rate_limits=False)[0]


def hub_refusing(bench: Bench) -> Result:
    """(7) A query over max_cost (first: 100 three levels deep), refused before it runs."""
    hostile = bench.work / "hostile-query.json"
    hostile.write_text(json.dumps({"query": HOSTILE_QUERY}))
    hub = bench.hub("refusing", response_cache=True, upstream_cache=True)
    try:
        label = "hub, refusing a query over max_cost"
        result = measure("hub_refusing", label, hub, hostile, bench.load, _counter(hub), "", True)
        return result
    finally:
        hub.stop()


def hub_upstream_warm_on_cluster(bench: Bench) -> Result:
    """(8) As (3), on the Redis Cluster that ``bench.redis_url`` names."""
    label = "hub, upstream cache warm, response cache off, on a three-node Redis Cluster"
    key = "hub_cluster_upstream_warm"
    return _hub(key, label, bench, response_cache=False, upstream_cache=True)[0]


def hub_response_cache_on_cluster(bench: Bench) -> Result:
    """(9) As (2), on the Redis Cluster that ``bench.redis_url`` names."""
    label = "hub, whole-response cache hit, on a three-node Redis Cluster"
    key = "hub_cluster_response_hit"
    return _hub(key, label, bench, response_cache=True, upstream_cache=True)[0]


HOSTILE_QUERY = (
    "{ touristSpots(first: 100) { edges { node { nearby(first: 100) { item { "
    "... on HealthFacility { nearby(first: 100) { distanceKm } } } } } } } }"
)


def _hub(
    key: str,
    label: str,
    bench: Bench,
    response_cache: bool,
    upstream_cache: bool,
    rate_limits: bool = True,
) -> tuple[Result, bytes]:
    """A fresh hub warmed by one query (which must answer without errors), then loaded."""
    hub = bench.hub(key.removeprefix("hub_"), response_cache, upstream_cache, rate_limits)
    try:
        answer = post_landing(hub, bench.body.read_bytes())
        result = measure(key, label, hub, bench.body, bench.load, _counter(hub))
        fallbacks = len(redis_fallbacks(hub))
        note = f"hub fell back from Redis to memory {fallbacks}x" if fallbacks else ""
        return replace(result, note=note), answer
    finally:
        hub.stop()


def graphql_core_landing(answer: bytes) -> Result:
    """(10) graphql-core executing the landing answer from memory: the query's own cost."""
    label = "graphql-core executing the landing answer from memory (no HTTP; the limit)"
    return _executed("graphql_core_landing", label, landing.QUERY, None, answer)


def graphql_core_near_me(answers: list[tuple[bytes, dict[str, float]]]) -> Result:
    """As (10), for near-me: the mean over answers at points drawn like (11)'s, as some
    points find much and others nothing: the limit of (11)."""
    label = "graphql-core executing near-me answers from memory (no HTTP; the limit)"
    times = [execution_ms(near_me.QUERY, point, answer, batches=3) for answer, point in answers]
    ms = statistics.mean(times)
    size = statistics.mean(len(answer) for answer, _ in answers)
    note = f"mean of {len(answers)} answers, {size:,.0f} bytes on average"
    return Result("graphql_core_near_me", label, 1000 / ms, ms, ms, 0, 0, 0.0, 0.0, note=note)


def _executed(
    key: str, label: str, query: str, variables: dict[str, float] | None, answer: bytes
) -> Result:
    ms = execution_ms(query, variables, answer)
    return Result(key, label, 1000 / ms, ms, ms, 0, 0, 0.0, 0.0, note=f"{len(answer):,} bytes")


def hub_near_me(
    bench: Bench, points: int = 100_000, samples: int = 20
) -> tuple[Result, list[tuple[bytes, dict[str, float]]]]:
    """(11) Near-me with a different point on every request, both caches on (as served);
    also returns the answers at ``samples`` points drawn alike (none asked in the run), for
    its limit."""
    bodies, warm = bench.work / "near-me.jsonl", bench.work / "near-me-warmup.jsonl"
    drawn = near_me.write_bodies(bodies, points)
    near_me.write_bodies(warm, points // 4, near_me.WARMUP_SEED)
    hub = bench.hub("near_me", response_cache=True, upstream_cache=True)
    try:
        sampled = drawn[-samples:]  # the run never reaches the last points
        answers = [(post_landing(hub, near_me.body(point)), point) for point in sampled]
        label = "hub, near me, a random point each request"
        requests, warmup = Requests(bodies, lines=True), Requests(warm, lines=True)
        hits = response_hits(hub)
        result = measure(
            "hub_near_me", label, hub, requests, bench.load, _counter(hub), warmup=warmup
        )
        hits = response_hits(hub) - hits
        note = f"{hits:.0f} answered from the whole-response cache" if hits else ""
        return replace(result, note=note), answers
    finally:
        hub.stop()


def hub_partner(bench: Bench) -> Result:
    """(12) The landing query with a partner's API key, both caches on (as served)."""
    hub = bench.hub("partner", response_cache=True, upstream_cache=True, partner_key=True)
    header = f"X-API-Key: {PARTNER_KEY}"
    try:
        post_landing(hub, bench.body.read_bytes(), {"X-API-Key": PARTNER_KEY})
        label = "hub, landing query with a partner's API key"
        requests = Requests(bench.body, headers=(header,))
        return measure("hub_partner", label, hub, requests, bench.load, _counter(hub))
    finally:
        hub.stop()


def naive_service(bench: Bench, hub_answer: bytes) -> Result:
    """(5) The hand-written Strawberry service calling the upstreams directly."""
    port = free_port()
    args = ["-m", "bench.naive_service", "--port", str(port), "--upstreams", bench.upstreams]
    server = serve("naive-service", args, port, bench.work, clean_environment())
    try:
        same = same_data(post_landing(server, bench.body.read_bytes()), hub_answer)
        note = "" if same else "answer differs from the hub's"
        label = "hand-written Strawberry service"
        count = _naive_counter(server)
        return measure("naive_service", label, server, bench.body, bench.load, count, note)
    finally:
        server.stop()


def _counter(hub: Server) -> Callable[[], float]:
    return lambda: upstream_requests(hub)


def _naive_counter(server: Server) -> Callable[[], float]:
    def count() -> float:
        return float(httpx.get(f"{server.url}/_upstream_requests", timeout=10.0).json()["count"])

    return count


def same_data(answer: bytes, reference: bytes) -> bool:
    """Whether two answers hold the same data, distances compared to within 10 m."""
    return _close(json.loads(answer)["data"], json.loads(reference)["data"])


def _close(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and float in (type(a), type(b)):
        return math.isclose(a, b, abs_tol=0.01)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b
