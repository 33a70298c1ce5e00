"""Live updates: 1,000 followers of one complaint on two replicas, from a change to each event.

`python -m bench.subscribers` (and `make bench`, after the landing configurations) starts a
reference Open311 server in a thread, two `kotahub serve` replicas on one Redis watching it
every 0.5 s, and a process of 1,000 subscribers (900 over WebSocket, 100 over SSE, half on
each replica). Once every one has its first event, it changes the complaint at the source
twenty times and measures, for each change, when the source was next polled, when the event
was published (its entry in the Redis stream), and when each subscriber heard it; then each
replica's memory per subscriber and the watcher's upstream calls per interval. Results go
to bench/results/subscribers.{md,json}.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import redis

from bench.live_client_process import ClientProcess
from bench.live_report import LiveReport, Round, write
from bench.live_setup import (
    LiveHubSettings,
    Source,
    metrics,
    raise_open_files,
    rss_mb,
    start_replicas,
    start_source,
)
from bench.machine import describe
from bench.processes import Server
from bench.redis_provider import RedisInfo, bench_redis, forget_prefix

HERE = Path(__file__).parent
RESULTS = HERE / "results"
WORK = HERE / ".work" / "subscribers"
TRACKING_ID = "BPN-000064"  # a sample complaint of the reference Open311 server, open
ROUND_SECONDS = 15.0  # a change every subscriber has not heard of by then is reported


@dataclass(frozen=True)
class LiveSettings:
    """The knobs of one run."""

    websocket: int
    sse: int
    rounds: int
    poll_seconds: float
    ttl_seconds: float
    seed: int

    @property
    def subscribers(self) -> int:
        return self.websocket + self.sse


def parse_settings(argv: list[str] | None = None) -> tuple[LiveSettings, Path]:
    parser = argparse.ArgumentParser(description=__doc__)
    add = parser.add_argument
    add("--websocket", type=int, default=900, help="subscribers over WebSocket")
    add("--sse", type=int, default=100, help="subscribers over SSE")
    add("--rounds", type=int, default=20, help="changes at the source")
    add("--poll-seconds", type=float, default=0.5, help="KOTAHUB_LIVE_POLL_SECONDS")
    add("--ttl-seconds", type=float, default=60.0, help="the complaints source's TTL")
    add("--seed", type=int, default=7, help="of the random pause before each change")
    add("--output", type=Path, default=RESULTS, help="where subscribers.{md,json} go")
    args = parser.parse_args(argv)
    settings = LiveSettings(
        args.websocket, args.sse, args.rounds, args.poll_seconds, args.ttl_seconds, args.seed
    )
    return settings, args.output


def run_live(settings: LiveSettings, store: RedisInfo, output: Path) -> LiveReport:
    """The whole measurement on the given Redis; the report, also written to ``output``."""
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    files = raise_open_files(4 * settings.subscribers + 1024)
    where = "private redis-server" if store.private else "$REDIS_URL"
    machine = describe(store.version, where) | {"open_files": f"{files[0]} (hard {files[1]})"}
    prefix = f"bench-{uuid.uuid4().hex[:8]}-live"
    hub_settings = LiveHubSettings(
        store.url, prefix, settings.poll_seconds, settings.ttl_seconds, settings.subscribers
    )
    source = start_source(WORK)
    try:
        replicas = start_replicas(hub_settings, source.url, WORK)
        try:
            report = measure(settings, source, replicas, hub_settings)
        finally:
            for replica in replicas:
                replica.stop()
    finally:
        source.server.stop()
        forget_prefix(store.url, prefix)
    report.machine = machine
    report.elapsed_s = time.monotonic() - started
    write(report, output)
    return report


def measure(
    settings: LiveSettings, source: Source, replicas: list[Server], hubs: LiveHubSettings
) -> LiveReport:
    """Warm-up, the subscribers connected, the rounds, and what each cost."""
    report = LiveReport(settings=settings.__dict__ | {"tracking_id": TRACKING_ID})
    urls = [replica.url for replica in replicas]
    warm_up(urls, WORK)
    report.rss_before = [rss_mb(replica.pid) for replica in replicas]
    gets_before = source.gets()
    print(f"live: {settings.subscribers} subscribers connecting ...", flush=True)
    clients = ClientProcess(_client_args(urls, settings), WORK / "subscribers.log")
    try:
        ready = clients.expect("ready", 120.0)
        if ready is None:
            raise RuntimeError("the subscribers did not all connect within 120 s")
        report.ready = ready["ready"] | {"source_gets": source.gets() - gets_before}
        time.sleep(1.0)  # what connecting left behind settles
        report.rss_connected = [rss_mb(replica.pid) for replica in replicas]
        report.metrics_connected = [metrics(replica) for replica in replicas]
        print(f"live: {settings.rounds} changes at the source ...", flush=True)
        report.rounds, report.window = change_rounds(settings, source, clients, replicas)
        report.rss_after = [rss_mb(replica.pid) for replica in replicas]
        report.heard = clients.stop()
    finally:
        clients.kill()
    report.published_ms = published_at(hubs, settings.rounds)
    return report


def warm_up(urls: list[str], work: Path) -> None:
    """One subscriber of each transport on each replica, then gone: the code paths and
    connections every subscriber shares are in place before memory is first read."""
    for url in urls:
        query = {"query": f'{{ complaint(trackingId: "{TRACKING_ID}") {{ status }} }}'}
        httpx.post(f"{url}/graphql", json=query, timeout=30.0).raise_for_status()
    args = [arg for url in urls for arg in ("--hub", url)]
    args += ["--tracking-id", TRACKING_ID, "--websocket", "2", "--sse", "2"]
    clients = ClientProcess(args, work / "warm-up.log")
    try:
        if clients.expect("ready", 60.0) is None:
            raise RuntimeError("the warm-up subscribers did not connect")
        clients.stop()
    finally:
        clients.kill()
    time.sleep(1.0)


def _client_args(urls: list[str], settings: LiveSettings) -> list[str]:
    args = [arg for url in urls for arg in ("--hub", url)]
    args += ["--tracking-id", TRACKING_ID]
    return [*args, "--websocket", str(settings.websocket), "--sse", str(settings.sse)]


def change_rounds(
    settings: LiveSettings, source: Source, clients: ClientProcess, replicas: list[Server]
) -> tuple[list[Round], dict[str, Any]]:
    """Each round: a pause of a random part of the interval (so changes fall anywhere within
    it), a change at the source, then waiting until every subscriber heard it."""
    pause = random.Random(settings.seed)
    before = [metrics(replica) for replica in replicas]
    gets_before = source.gets()
    window_start = time.time()
    rounds: list[Round] = []
    for number in range(1, settings.rounds + 1):
        time.sleep(pause.uniform(0.0, settings.poll_seconds))
        status = "closed" if number % 2 else "open"
        source.store.set_status(TRACKING_ID, status, f"bench round {number}")
        changed_at = time.time()
        complete = heard_by_all(clients, number)
        rss = [rss_mb(replica.pid) for replica in replicas]
        rounds.append(Round(number, changed_at, complete, rss))
    window_end = time.time()
    after = [metrics(replica) for replica in replicas]
    polls = [
        at for at, target in source.arrivals.polls if at >= window_start and TRACKING_ID in target
    ]
    for measured in rounds:
        measured.polled_at = min((at for at in polls if at >= measured.changed_at), default=None)
    window = {
        "start": window_start,
        "seconds": window_end - window_start,
        "source_gets": source.gets() - gets_before,
        "polls": polls,
        "metrics_before": before,
        "metrics_after": after,
    }
    return rounds, window


def heard_by_all(clients: ClientProcess, number: int) -> bool:
    """Whether every subscriber heard change ``number`` within ROUND_SECONDS (a late word
    of an earlier change is passed over)."""
    deadline = time.monotonic() + ROUND_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        line = clients.expect("complete", left)
        if line is None:
            return False
        if line["complete"] == number:
            return True
    return False


def published_at(hubs: LiveHubSettings, rounds: int) -> dict[int, int]:
    """Each round's event in `{prefix}:events`: the time of its entry id (ms, Redis' clock)."""
    client = redis.Redis.from_url(hubs.redis_url, socket_timeout=5.0, decode_responses=True)
    try:
        entries: list[tuple[str, dict[str, str]]] = client.xrange(f"{hubs.prefix}:events")  # type: ignore[assignment]
    finally:
        client.close()
    found: dict[int, int] = {}
    for entry_id, fields in entries:
        data = fields.get("data", "")
        for number in range(1, rounds + 1):
            if f'"bench round {number}"' in data and number not in found:
                found[number] = int(entry_id.split("-")[0])
    return found


def main(argv: list[str] | None = None) -> None:
    settings, output = parse_settings(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with bench_redis() as store:
        report = run_live(settings, store, output)
    print(f"\nwrote {output}/subscribers.md, subscribers.json in {report.elapsed_s:.0f} s")


if __name__ == "__main__":
    main()
