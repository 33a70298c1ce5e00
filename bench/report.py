"""The landing benchmark's results: what was measured, the targets, and the raw numbers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.cold_check import ColdCheck
from bench.measure import Result

HUB_KEYS = ("hub_response_hit", "hub_upstream_warm", "hub_cold", "hub_near_me", "hub_partner")
LANDING_LIMIT = "(3) time a landing query takes vs its limit, (1)'s time a request + (10)"
NEAR_LIMIT = "(11) time a near-me query takes vs its limit, (1)'s time a request + (13)"
PARTNER_RATIO = "(12)/(3) throughput: landing query with a partner's key vs upstream warm"
HIT_RATIO = "(2)/(1) throughput: whole-response cache hit vs bare route"
WARM_RATIO = "(3)/(5) throughput: upstream-warm hub vs hand-written service"
COLD_CALLS = "concurrent cold queries: upstream calls vs distinct resources of one"
PEAK_MEMORY = "peak hub memory (VmHWM of any hub process, after its load)"
RATE_COUNTING = "(2)/(6) throughput: rate limits counted in Redis vs off (cost of counting)"
REFUSAL_RATIO = "(7)/(1) throughput: a query over max_cost refused vs bare route"
CLUSTER_WARM = "(8)/(3) throughput: upstream-warm hub on a three-node Redis Cluster vs one Redis"
CLUSTER_HIT = "(9)/(2) throughput: whole-response hit on a three-node Redis Cluster vs one Redis"


@dataclass(frozen=True)
class Settings:
    """The knobs of one run."""

    latency_ms: float
    concurrency: int
    duration: float
    warmup: float
    burst: int


@dataclass(frozen=True)
class Target:
    """One figure the project aims for, this run's value, and whether it was met."""

    name: str
    value: str
    goal: str
    met: bool


@dataclass(frozen=True)
class Report:
    """Everything one run measured."""

    settings: Settings
    machine: dict[str, str | int]
    results: list[Result]
    cold: ColdCheck
    elapsed_s: float
    cluster_keys: list[int] = field(default_factory=list)  # on each node after (8) and (9)

    def result(self, key: str) -> Result:
        return next(r for r in self.results if r.key == key)

    def peak_hub_mb(self) -> float:
        hubs = [self.result(key).peak_mb for key in HUB_KEYS]
        return max([*hubs, self.cold.peak_mb])

    def targets(self) -> list[Target]:
        hit = _ratio(self.result("hub_response_hit").rps, self.result("bare_route").rps)
        warm = _ratio(self.result("hub_upstream_warm").rps, self.result("naive_service").rps)
        bare = self.result("bare_route").rps
        counting = _ratio(self.result("hub_response_hit").rps, self.result("hub_hit_no_limits").rps)
        refusing = _ratio(self.result("hub_refusing").rps, bare)
        cluster_warm = self._throughput_ratio("hub_cluster_upstream_warm", "hub_upstream_warm")
        cluster_hit = self._throughput_ratio("hub_cluster_response_hit", "hub_response_hit")
        cold, peak = self.cold, self.peak_hub_mb()
        calls = f"{cold.burst_upstream_calls} calls vs {cold.distinct_resources} resources"
        return [
            Target(HIT_RATIO, f"{hit:.2f}", ">= 0.5", hit >= 0.5),
            Target(WARM_RATIO, f"{warm:.1f}", ">= 10", warm >= 10),
            Target(f"{cold.concurrent} {COLD_CALLS}", calls, "equal", cold.met),
            Target(PEAK_MEMORY, f"{peak:.0f} MB", "< 200 MB", peak < 200),
            Target(RATE_COUNTING, f"{counting:.2f}", ">= 0.8", counting >= 0.8),
            Target(REFUSAL_RATIO, f"{refusing:.2f}", ">= 0.5", refusing >= 0.5),
            Target(CLUSTER_WARM, f"{cluster_warm:.2f}", ">= 0.8", cluster_warm >= 0.8),
            Target(CLUSTER_HIT, f"{cluster_hit:.2f}", ">= 0.8", cluster_hit >= 0.8),
            *self._every_query_targets(),
        ]

    def _every_query_targets(self) -> list[Target]:
        """Each query against its limit: the bare route's time a request plus graphql-core's
        time executing its answer (a time a request is the inverse of the throughput)."""
        bare_ms = _ms(self.result("bare_route").rps)
        landing = self.limit_ratio("hub_upstream_warm", bare_ms, "graphql_core_landing")
        near = self.limit_ratio("hub_near_me", bare_ms, "graphql_core_near_me")
        partner = self._throughput_ratio("hub_partner", "hub_upstream_warm")
        return [
            Target(LANDING_LIMIT, f"{landing:.1f}x", "<= 2.5x", landing <= 2.5),
            Target(NEAR_LIMIT, f"{near:.1f}x", "<= 2.5x", near <= 2.5),
            Target(PARTNER_RATIO, f"{partner:.2f}", ">= 1.0", partner >= 1.0),
        ]

    def limit_ratio(self, key: str, bare_ms: float, executed: str) -> float:
        limit_ms = bare_ms + self.result(executed).p50_ms
        return _ms(self.result(key).rps) / limit_ms if limit_ms else 0.0

    def _throughput_ratio(self, key: str, reference: str) -> float:
        return _ratio(self.result(key).rps, self.result(reference).rps)

    def as_json(self) -> str:
        data: dict[str, Any] = {
            "settings": asdict(self.settings),
            "machine": self.machine,
            "configurations": [asdict(r) for r in self.results],
            "cold_check": asdict(self.cold) | {"met": self.cold.met},
            "cluster_keys_per_node": self.cluster_keys,
            "targets": [asdict(t) for t in self.targets()],
            "elapsed_s": round(self.elapsed_s, 1),
        }
        return json.dumps(data, indent=2) + "\n"


def _ms(rps: float) -> float:
    """Milliseconds of the server's time a request: what one process spends on each."""
    return 1000 / rps if rps else 0.0


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def number(value: float) -> str:
    """Large numbers whole and grouped, small ones with a decimal."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
