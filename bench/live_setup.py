"""The live benchmark's servers: a reference Open311 source in a thread, hub replicas, metrics."""

from __future__ import annotations

import json
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from bench.hub import UNREACHED_LIMITS
from bench.processes import Server, clean_environment, free_port, serve
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.demo.open311_store import Open311Store
from tests.support.servers import ThreadedServer

WATCH_CALLS = 'kotahub_live_watch_calls_total{source="complaints"}'
WATCH_ROUNDS = "kotahub_live_watch_rounds_total"
SUBSCRIPTIONS = 'kotahub_subscriptions_active{field="complaintUpdated"}'
DELIVERED = 'kotahub_live_events_delivered_total{field="complaintUpdated"}'
REFUSED = "kotahub_live_refused_total"
QUERY_ROOM = 1000  # connections beyond the live ones, for queries and /metrics
COUNTED = (WATCH_CALLS, WATCH_ROUNDS, SUBSCRIPTIONS, DELIVERED)


class Arrivals:
    """Wraps an ASGI app: the wall-clock time and target (path and query) of each
    GET /requests…; one complaint is asked for as ``requests/{id}.json``, several as
    ``requests.json?service_request_id=a,b``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.polls: list[tuple[float, str]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_requests_get(scope["method"], scope["path"]):
            query = scope.get("query_string", b"").decode("latin-1")
            self.polls.append((time.time(), f"{scope['path']}?{query}"))
        await self.app(scope, receive, send)


def _is_requests_get(method: str, path: str) -> bool:
    return method == "GET" and path.startswith("/requests")


@dataclass
class Source:
    """The reference Open311 server on a loopback socket, its store and its request log."""

    server: ThreadedServer
    arrivals: Arrivals
    store: Open311Store
    requests: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def gets(self) -> int:
        """GET /requests… that reached it so far (its own request log)."""
        return sum(1 for method, path, _ in self.requests if _is_requests_get(method, path))


def start_source(work: Path) -> Source:
    """`create_open311_app` on its own SQLite file, under uvicorn in a thread."""
    app = create_open311_app(database=work / "open311.db")
    arrivals = Arrivals(app)
    server = ThreadedServer(arrivals)
    server.start()
    return Source(server, arrivals, app.state.store, app.state.request_log.requests)


@dataclass(frozen=True)
class LiveHubSettings:
    """What the replicas share: Redis, key prefix, polling interval and live limits."""

    redis_url: str
    prefix: str
    poll_seconds: float
    ttl_seconds: float
    subscribers: int

    @property
    def live_room(self) -> int:
        """Each live limit of a replica: room for every subscriber, twice over."""
        return max(2 * self.subscribers, 1000)

    def environment(self, port: int, source_url: str) -> dict[str, str]:
        # Every subscriber comes from 127.0.0.1: one client for the per-client limits, and
        # each subscribe counts against the anonymous rate limit, so all are raised; live
        # connections must stay below max_connections, which leaves room for queries.
        room = self.live_room
        source = {
            "name": "complaints",
            "kind": "open311",
            "base_url": source_url,
            "api_key": DEMO_API_KEY,
            "ttl_seconds": self.ttl_seconds,
            "timeout_seconds": 5,
        }
        return clean_environment() | {
            "KOTAHUB_PORT": str(port),
            "KOTAHUB_REDIS_URL": self.redis_url,
            "KOTAHUB_CACHE_PREFIX": self.prefix,
            "KOTAHUB_SOURCES": json.dumps([source]),
            "KOTAHUB_DELIVERY_WORKER": "false",
            "KOTAHUB_LOG_LEVEL": "WARNING",
            "KOTAHUB_LIVE_POLL_SECONDS": str(self.poll_seconds),
            "KOTAHUB_MAX_CONNECTIONS": str(room + QUERY_ROOM),
            "KOTAHUB_LIVE_MAX_CONNECTIONS": str(room),
            "KOTAHUB_LIVE_MAX_CONNECTIONS_PER_CLIENT": str(room),
            "KOTAHUB_LIVE_MAX_PER_CLIENT": str(room),
            "KOTAHUB_RATE_LIMITS": json.dumps(UNREACHED_LIMITS),
        }


def start_replicas(settings: LiveHubSettings, source_url: str, log_dir: Path) -> list[Server]:
    """Two `kotahub serve` processes on the same Redis and prefix."""
    replicas: list[Server] = []
    try:
        for n in (1, 2):
            port = free_port()
            env = settings.environment(port, source_url)
            replicas.append(serve(f"live-hub-{n}", ["-m", "kotahub", "serve"], port, log_dir, env))
    except BaseException:
        for replica in replicas:
            replica.stop()
        raise
    return replicas


def metrics(hub: Server) -> dict[str, float]:
    """The live counters of one replica, from GET /metrics (0 for one not there yet)."""
    text = httpx.get(f"{hub.url}/metrics", timeout=10.0).text
    values = {name: 0.0 for name in COUNTED}
    refused = 0.0
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in values:
            values[name] = float(value)
        elif name.startswith(REFUSED + "{"):
            refused += float(value)
    return values | {REFUSED: refused}


def rss_mb(pid: int) -> float:
    """VmRSS of a process from /proc, in MB (10^6 bytes)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def raise_open_files(wanted: int) -> tuple[int, int]:
    """RLIMIT_NOFILE's soft limit raised towards ``wanted`` (never past the hard limit), for
    this process and those it starts; the limits now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)
