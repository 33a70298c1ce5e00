"""Starting the reference upstreams and hub processes, and reading the hub's upstream count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.processes import Server, clean_environment, free_port, serve
from kotahub.demo.app import COMPLAINTS_OPEN311, DIMENSIONS_CKAN, HEALTH_FHIR, TOURISM_ITEMS
from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.hub.policy.api_keys import hash_of

UPSTREAM_COUNTER = "kotahub_upstream_requests_total{"
RESPONSE_HITS = 'kotahub_cache_requests_total{level="response",result="hit"}'
REDIS_FALLBACK = "Redis unavailable, caching in memory until it returns"


# Counting stays on, so that its cost is measured, but no load generator reaches the limit.
UNREACHED_LIMITS = {"anonymous": "1000000000/minute", "partner": "1000000000/minute"}
# A partner's key for (12); the hub is configured with its hash only.
PARTNER_KEY = "kh_bench-partner-key-0123456789abcdef"


@dataclass(frozen=True)
class HubConfig:
    """One way of running the hub: which caches are on, and its own key prefix."""

    prefix: str
    response_cache: bool
    upstream_cache: bool
    rate_limits: bool = True
    partner_key: bool = False


def start_upstreams(log_dir: Path, latency_ms: float) -> Server:
    """`kotahub demo-sources` with every answer delayed by ``latency_ms``."""
    port = free_port()
    data_dir = log_dir / "upstream-data"
    args = ["-m", "kotahub", "demo-sources", "--port", str(port)]
    args += ["--latency-ms", str(latency_ms), "--data-dir", str(data_dir)]
    return serve("upstreams", args, port, log_dir, clean_environment(), ready_path="/")


def sources_json(upstreams: str) -> str:
    """KOTAHUB_SOURCES for the four reference upstreams at ``upstreams``, as docker-compose."""
    sources: list[dict[str, str | int]] = [
        {"name": "tourism", "kind": "geojson", "base_url": f"{upstreams}{TOURISM_ITEMS}"},
        {"name": "health", "kind": "fhir-r4", "base_url": f"{upstreams}{HEALTH_FHIR}"},
        {
            "name": "complaints",
            "kind": "open311",
            "base_url": f"{upstreams}{COMPLAINTS_OPEN311}",
            "api_key": DEMO_API_KEY,
        },
        {"name": "dimensions", "kind": "ckan", "base_url": f"{upstreams}{DIMENSIONS_CKAN}"},
    ]
    for source in sources:
        source |= {"ttl_seconds": 300, "timeout_seconds": 5}
    return json.dumps(sources)


def start_hub(
    name: str, config: HubConfig, upstreams: str, redis_url: str, log_dir: Path
) -> Server:
    """`kotahub serve` configured by environment, pointed at the reference upstreams."""
    port = free_port()
    env = clean_environment() | {
        "KOTAHUB_PORT": str(port),
        "KOTAHUB_REDIS_URL": redis_url,
        "KOTAHUB_CACHE_PREFIX": config.prefix,
        "KOTAHUB_SOURCES": sources_json(upstreams),
        "KOTAHUB_DELIVERY_WORKER": "false",
        "KOTAHUB_LOG_LEVEL": "WARNING",
        "KOTAHUB_RESPONSE_CACHE": _flag(config.response_cache),
        "KOTAHUB_UPSTREAM_CACHE": _flag(config.upstream_cache),
        "KOTAHUB_RATE_LIMITS": json.dumps(
            UNREACHED_LIMITS if config.rate_limits else {"enabled": False}
        ),
    }
    if config.partner_key:
        key = {"name": "bench-partner", "scope": "partner", "hash": hash_of(PARTNER_KEY)}
        env["KOTAHUB_API_KEYS"] = json.dumps([key])
    return serve(name, ["-m", "kotahub", "serve"], port, log_dir, env)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def upstream_by_source(hub: Server) -> dict[str, float]:
    """kotahub_upstream_requests_total of each source, from GET /metrics."""
    text = httpx.get(f"{hub.url}/metrics", timeout=10.0).text
    lines = [line for line in text.splitlines() if line.startswith(UPSTREAM_COUNTER)]
    return {line.split('"')[1]: float(line.rsplit(" ", 1)[1]) for line in lines}


def response_hits(hub: Server) -> float:
    """How many requests the hub answered from its whole-response cache, from /metrics."""
    text = httpx.get(f"{hub.url}/metrics", timeout=10.0).text
    for line in text.splitlines():
        if line.startswith(RESPONSE_HITS):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def upstream_requests(hub: Server) -> float:
    """kotahub_upstream_requests_total summed over every source."""
    return sum(upstream_by_source(hub).values())


def redis_fallbacks(hub: Server) -> list[str]:
    """Why the hub stopped using Redis for its cache, once for each time it logged so."""
    lines = hub.tail(lines=100_000).splitlines()
    return [
        line.split(REDIS_FALLBACK, 1)[1].lstrip(" :") for line in lines if REDIS_FALLBACK in line
    ]


def post_landing(server: Server, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """One query (the landing one, unless ``body`` says another); the response bytes, which
    must be a 200 without errors."""
    response = httpx.post(
        f"{server.url}/graphql",
        content=body,
        headers={"content-type": "application/json", **(headers or {})},
        timeout=60.0,
    )
    if response.status_code != 200 or b'"errors"' in response.content:
        raise RuntimeError(
            f"{server.name} answered the landing query with {response.status_code}: "
            f"{response.text[:500]}"
        )
    return response.content
