"""``kotahub worker --metrics-port``: the worker's own /metrics, moving as it fails and
delivers, and a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from kotahub.demo.open311 import DEMO_API_KEY
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.observability.test_metrics import samples
from tests.support.complaints import road_complaint, submit
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
FAILURES = ("kotahub_delivery_failures_total", (("source", "complaints"),))
SENT = ("kotahub_upstream_requests_total", (("source", "complaints"),))
DEPTH = ("kotahub_outbox_depth", ())


@pytest.fixture
def source(open311: ThreadedServer) -> dict[str, Any]:
    # A quick breaker reset: the worker must post again as soon as the upstream is back.
    return {
        "name": "complaints",
        "kind": "open311",
        "base_url": open311.url,
        "api_key": DEMO_API_KEY,
        "breaker_reset_seconds": 0.2,
    }


@pytest.fixture
async def queued(
    hub: HubFactory, hub_settings: Callable[..., Settings], source: dict[str, Any]
) -> tuple[Settings, str]:
    """A complaint filed through a hub that delivers nothing: it waits in the outbox."""
    settings = hub_settings(sources=[source], delivery_worker=False)
    async with hub(settings) as client:
        filed = await submit(client, road_complaint(), key=f"metrics-{uuid.uuid4().hex}")
    assert filed["deliveryStatus"] == "QUEUED"
    return settings, filed["trackingId"]


def _worker(
    settings: Settings, source: dict[str, Any], port: int, log: Path
) -> subprocess.Popen[bytes]:
    """``kotahub worker`` on the hub's Redis and outbox, serving /metrics on ``port``."""
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "REDIS_URL": settings.redis_url,
        "KOTAHUB_CACHE_PREFIX": settings.cache_prefix,
        "KOTAHUB_SOURCES": json.dumps([source]),
        "KOTAHUB_DELIVERY_RETRY_SECONDS": "0.2",
    }
    command = [sys.executable, "-m", "kotahub", "worker", "--metrics-port", str(port)]
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _scrape_until(url: str, check: Callable[[Samples], bool], what: str) -> Samples:
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx.get(url, timeout=5)
            found = samples(response.text) if response.status_code == 200 else None
        except httpx.TransportError:
            found = None
        if found is not None and check(found):
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_the_workers_metrics_count_a_failed_then_a_delivered_complaint(
    queued: tuple[Settings, str],
    source: dict[str, Any],
    open311: ThreadedServer,
    tmp_path: Path,
) -> None:
    settings, tracking_id = queued
    posted_before = open311.app.state.store.count_requests()
    open311.stop()  # the first post is refused
    port = free_port()
    worker = _worker(settings, source, port, tmp_path / "worker.log")
    metrics = f"http://127.0.0.1:{port}/metrics"
    try:
        failing = _scrape_until(metrics, lambda s: s.get(FAILURES, 0) >= 1, "a failure")
        open311.start()
        done = _scrape_until(metrics, lambda s: s[DEPTH] == 0, "the delivery")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    assert failing[DEPTH] == 1
    assert done[SENT] > failing.get(SENT, 0)  # the post that delivered it
    state = redis.Redis.from_url(settings.redis_url)
    key = f"{settings.cache_prefix}:submission:{tracking_id}"
    assert state.hget(key, "status") == b"SUBMITTED"
    state.close()
    assert open311.app.state.store.count_requests() == posted_before + 1
    assert worker.returncode == 0
    assert b"Traceback" not in (tmp_path / "worker.log").read_bytes()


def test_a_taken_metrics_port_stops_the_worker_with_a_message() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "kotahub", "worker", "--metrics-port", str(port)]
        env = {**os.environ, "HOST": "127.0.0.1"}
        ended = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert ended.returncode == 2
    assert f"127.0.0.1:{port}" in ended.stderr
    assert "--metrics-port" in ended.stderr
