"""bench/results/landing.png: requests per second and latency of each configuration."""

from __future__ import annotations

from pathlib import Path

# matplotlib comes with the `bench` extra; `make lint` type-checks this without it.
import matplotlib  # type: ignore[import-not-found, unused-ignore]

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]

from bench.measure import Result
from bench.report import number

SHORT = {
    "bare_route": "(1) bare route",
    "hub_response_hit": "(2) hub,\nresponse hit",
    "hub_upstream_warm": "(3) hub,\nupstream warm",
    "hub_cold": "(4) hub,\ncold",
    "naive_service": "(5) hand-written",
    "hub_hit_no_limits": "(6) hub, hit,\nno rate limits",
    "hub_refusing": "(7) hub,\nrefusing",
    "hub_cluster_upstream_warm": "(8) hub, warm,\nRedis Cluster",
    "hub_cluster_response_hit": "(9) hub, hit,\nRedis Cluster",
    "graphql_core_landing": "(10) graphql-core,\nlanding answer",
    "hub_near_me": "(11) hub,\nnear me",
    "hub_partner": "(12) hub,\npartner key",
    "graphql_core_near_me": "(13) graphql-core,\nnear-me answer",
}


def draw(results: list[Result], title: str, path: Path) -> None:
    """Two panels: req/s on a log scale with p50/p99 written on each bar, and the latencies."""
    names = [SHORT.get(r.key, r.label) for r in results]
    figure, (rate, latency) = plt.subplots(1, 2, figsize=(26, 5.6))
    bars = rate.bar(names, [max(r.rps, 0.1) for r in results], color="#3572a5")
    rate.set_yscale("log")
    rate.set_ylabel("requests per second (log scale)")
    rate.set_title("Throughput")
    for bar, r in zip(bars, results, strict=True):
        text = f"{number(r.rps)}/s\np50 {number(r.p50_ms)} ms\np99 {number(r.p99_ms)} ms"
        rate.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                      ha="center", va="bottom", fontsize=8)  # fmt: skip
    rate.margins(y=0.35)
    positions = range(len(results))
    width = 0.38
    latency.bar([p - width / 2 for p in positions], [r.p50_ms for r in results], width, label="p50")
    latency.bar([p + width / 2 for p in positions], [r.p99_ms for r in results], width, label="p99")
    latency.set_xticks(list(positions), names)
    latency.set_yscale("log")
    latency.set_ylabel("latency, ms (log scale)")
    latency.set_title("Latency")
    latency.legend()
    for axes in (rate, latency):
        axes.tick_params(axis="x", labelsize=8)
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
