"""`make bench`: the landing-page query and near-me in thirteen configurations, side by side.

(1) a bare Starlette route answering the hub's bytes, (2) the hub answering from its
whole-response cache, (3) the hub with warm upstream answers but no response cache, (4) the
hub with both caches off, (5) a hand-written Strawberry service; then (6) as (2) with rate
limits off, (7) the hub refusing a query over its cost limit, and (8) and (9) as (3) and (2)
on a three-node Redis Cluster the run starts itself; (10) graphql-core executing the landing
answer from memory (the query's limit), (11) near-me with a new point every request (its
limit, (13), measured alike) and (12) the landing query with a partner's API key; then 200
identical cold queries at once. Results go to bench/results/landing.{md,json,png}. Then
(14) live updates, `bench/subscribers.py`: 1,000 followers of one complaint on two
replicas, to bench/results/subscribers.{md,json}.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
import uuid
from pathlib import Path

from bench import chart, configurations, subscribers
from bench.cluster_runs import run_on_cluster
from bench.cold_check import cold_check
from bench.configurations import Bench
from bench.hub import start_upstreams
from bench.landing import landing_body
from bench.landing_md import markdown, results_table, targets_table
from bench.machine import describe
from bench.measure import Load, Result
from bench.redis_provider import bench_redis, forget_prefix
from bench.report import Report, Settings

HERE = Path(__file__).parent
RESULTS = HERE / "results"
WORK = HERE / ".work" / "landing"


def _env(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def parse_settings(argv: list[str] | None = None) -> tuple[Settings, Path]:
    """Flags, with BENCH_* environment variables as their defaults."""
    parser = argparse.ArgumentParser(description=__doc__)
    add = parser.add_argument
    add("--latency-ms", type=float, default=_env("BENCH_LATENCY_MS", 50.0))
    add("--concurrency", type=int, default=int(_env("BENCH_CONCURRENCY", 64)))
    add("--duration", type=float, default=_env("BENCH_DURATION", 10.0), help="seconds")
    add("--warmup", type=float, default=_env("BENCH_WARMUP", 2.0), help="seconds, not counted")
    add("--burst", type=int, default=int(_env("BENCH_BURST", 200)), help="cold queries at once")
    add("--output", type=Path, default=RESULTS, help="where landing.{md,json,png} go")
    args = parser.parse_args(argv)
    settings = Settings(args.latency_ms, args.concurrency, args.duration, args.warmup, args.burst)
    return settings, args.output


def run_configurations(bench: Bench) -> list[Result]:
    """(1) to (7), each in a server of its own, one at a time, on the one Redis."""
    print("(2) hub, whole-response cache hit ...", flush=True)
    response_hit, answer = configurations.hub_response_cache(bench)
    print("(1) bare Starlette route ...", flush=True)
    bare = configurations.bare_route(bench, answer)
    print("(3) hub, upstream cache warm ...", flush=True)
    upstream_warm = configurations.hub_upstream_warm(bench)
    print("(4) hub, caches cold ...", flush=True)
    cold = configurations.hub_cold(bench)
    print("(5) hand-written Strawberry service ...", flush=True)
    naive = configurations.naive_service(bench, answer)
    print("(6) hub, whole-response cache hit, rate limits off ...", flush=True)
    unlimited = configurations.hub_hit_without_rate_limits(bench)
    print("(7) hub, refusing a query over max_cost ...", flush=True)
    refusing = configurations.hub_refusing(bench)
    return [bare, response_hit, upstream_warm, cold, naive, unlimited, refusing]


def run_every_query_configurations(bench: Bench, results: list[Result]) -> list[Result]:
    """(10) to (12): the limits of the landing and near-me queries, near-me with a new point
    every request, and the landing query signed with a partner's key."""
    answer = (bench.work / "hub-answer.json").read_bytes()
    print("(10) graphql-core executing the landing answer ...", flush=True)
    landing_limit = configurations.graphql_core_landing(answer)
    print("(11) hub, near me at random points ...", flush=True)
    near, answers = configurations.hub_near_me(bench)
    near_limit = configurations.graphql_core_near_me(answers)
    print("(12) hub, landing query with a partner's key ...", flush=True)
    partner = configurations.hub_partner(bench)
    return [landing_limit, near, partner, near_limit]


def main(argv: list[str] | None = None) -> None:
    settings, output = parse_settings(argv)
    # A terminated run still stops every process it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    body = WORK / "landing-query.json"
    body.write_bytes(landing_body())
    load = Load(settings.concurrency, settings.duration, settings.warmup)
    run_id = uuid.uuid4().hex[:8]
    with bench_redis() as redis:
        where = "private redis-server" if redis.private else "$REDIS_URL"
        machine = describe(redis.version, where)
        upstreams = start_upstreams(WORK, settings.latency_ms)
        try:
            bench = Bench(WORK, run_id, upstreams.url, redis.url, body, load)
            results = run_configurations(bench)
            cluster = run_on_cluster(bench)
            results += cluster.results
            results += run_every_query_configurations(bench, results)
            print(f"cold check: {settings.burst} identical queries at once ...", flush=True)
            cold = cold_check(bench, settings.burst)
        finally:
            upstreams.stop()
            forget_prefix(redis.url, f"bench-{run_id}-")
        machine["redis_cluster"] = f"{cluster.version} (three private primaries, no replicas)"
        elapsed = time.monotonic() - started
        report = Report(settings, machine, results, cold, elapsed, cluster.keys_per_node)
        write(report, output)
        print("\n(14) live updates: 1,000 followers of one complaint, two replicas ...", flush=True)
        live, _ = subscribers.parse_settings([])
        subscribers.run_live(live, redis, output)


def write(report: Report, output: Path) -> None:
    """Prints the tables and writes landing.md, landing.json and landing.png."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "landing.md").write_text(markdown(report), encoding="utf-8")
    (output / "landing.json").write_text(report.as_json(), encoding="utf-8")
    s = report.settings
    title = (
        f"Landing query, {s.concurrency} connections, {s.duration:g} s each, upstream latency "
        f"{s.latency_ms:g} ms; {report.machine['cpu']}, {report.machine['cores']} cores"
    )
    chart.draw(report.results, title, output / "landing.png")
    print()
    print(results_table(report.results))
    print()
    print(targets_table(report.targets()))
    print(f"\nwrote {output}/landing.md, landing.json, landing.png in {report.elapsed_s:.0f} s")


if __name__ == "__main__":
    main()
