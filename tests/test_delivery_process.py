"""The hub killed in the middle of delivering a complaint: the next worker delivers it once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from tests.support.complaints import SUBMIT, road_complaint
from tests.support.lost_answers import HoldsAnswers
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system


@pytest.fixture
def slow_upstream(tmp_path: Path) -> Iterator[ThreadedServer]:
    """An Open311 server that takes 1.5 s over every answer."""
    app = create_open311_app(database=tmp_path / "open311.sqlite3", latency_ms=1500)
    server = ThreadedServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def keyless_upstream(tmp_path: Path) -> Iterator[tuple[ThreadedServer, Any]]:
    """An Open311 server that ignores Idempotency-Key (as GeoReport v2 itself does) and
    answers a POST three seconds after it made the complaint; and its app."""
    app = create_open311_app(database=tmp_path / "open311.sqlite3", idempotency_keys=False)
    server = ThreadedServer(HoldsAnswers(app, seconds=3.0))
    server.start()
    yield server, app
    server.stop()


def _environment(
    redis_url: str, upstream: ThreadedServer, port: int, timeout: float = 10
) -> dict[str, str]:
    source = {
        "name": "complaints",
        "kind": "open311",
        "base_url": upstream.url,
        "api_key": DEMO_API_KEY,
        "timeout_seconds": timeout,
    }
    return {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "KOTAHUB_CACHE_PREFIX": f"kill-{uuid.uuid4().hex[:8]}",
        "KOTAHUB_SOURCES": json.dumps([source]),
        "KOTAHUB_DELIVERY_RETRY_SECONDS": "0.2",
        "KOTAHUB_DELIVERY_RECLAIM_SECONDS": "1",
    }


def _start(command: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "kotahub", command],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _until(check: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _post_hub(port: int) -> str:
    deadline = time.monotonic() + 30
    while True:
        try:
            body = httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                timeout=30,
                json={"query": SUBMIT, "variables": {"input": road_complaint(), "key": "kill-1"}},
            ).json()
            return str(body["data"]["submitComplaint"]["trackingId"])
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the hub did not start"
            time.sleep(0.2)


def _post_then_kill_the_hub(
    env: dict[str, str], logs: Path, ready: Callable[[], object], what: str
) -> str:
    """Start a hub, submit a complaint through it, and kill it once ``ready``; the tracking id."""
    hub = _start("serve", env, logs / "hub.log")
    try:
        tracking_id = _post_hub(int(env["PORT"]))
        _until(ready, 30, what)
        hub.send_signal(signal.SIGKILL)
        hub.wait(timeout=10)
    finally:
        if hub.poll() is None:
            hub.kill()
    return tracking_id


def _deliver_with_a_worker(
    env: dict[str, str], logs: Path, client: redis.Redis, tracking_id: str
) -> tuple[str, subprocess.Popen[bytes]]:
    """Run a worker until the complaint is SUBMITTED, then stop it; its state key and the
    stopped worker."""
    worker = _start("worker", env, logs / "worker.log")
    state_key = f"{env['KOTAHUB_CACHE_PREFIX']}:submission:{tracking_id}"
    try:
        _until(lambda: client.hget(state_key, "status") == b"SUBMITTED", 40, "delivery")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    return state_key, worker


def test_killed_mid_delivery_then_delivered_exactly_once(
    slow_upstream: ThreadedServer, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = _environment(redis_url, slow_upstream, port)
    store, log = slow_upstream.app.state.store, slow_upstream.app.state.request_log
    before = store.count_requests()
    tracking_id = _post_then_kill_the_hub(  # killed while the upstream is still answering
        env, tmp_path, lambda: any(r[0] == "POST" for r in log.requests), "the hub's POST"
    )
    client = redis.Redis.from_url(redis_url)
    state_key, worker = _deliver_with_a_worker(env, tmp_path, client, tracking_id)
    posts = [r for r in log.requests if r[0] == "POST"]
    assert len(posts) >= 2  # the killed hub's, then the worker's retry
    assert store.count_requests() == before + 1  # the idempotency key made it one complaint
    assert client.hget(state_key, "upstream_id") not in (None, b"")
    assert worker.returncode == 0
    client.close()


def test_killed_after_a_keyless_source_made_it_then_found_not_sent_again(
    keyless_upstream: tuple[ThreadedServer, Any], redis_url: str, tmp_path: Path
) -> None:
    upstream, app = keyless_upstream
    port = free_port()
    env = _environment(redis_url, upstream, port, timeout=2)
    store, log = app.state.store, app.state.request_log
    before = store.count_requests()
    tracking_id = _post_then_kill_the_hub(  # killed before the source's answer reaches it
        env, tmp_path, lambda: store.count_requests() == before + 1, "the complaint to be made"
    )
    client = redis.Redis.from_url(redis_url)
    state_key, _ = _deliver_with_a_worker(env, tmp_path, client, tracking_id)
    assert store.count_requests() == before + 1  # found, not sent again
    assert len([r for r in log.requests if r[0] == "POST"]) == 1
    assert client.hget(state_key, "upstream_id") not in (None, b"")
    client.close()
