"""The Redis the benchmark uses: $REDIS_URL when it answers, else a private redis-server."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from bench.processes import free_port, stop_process, track
from tests.support.redis_server import redis_server_binary


@dataclass(frozen=True)
class RedisInfo:
    """Where the Redis is, its version, and whether the benchmark started it."""

    url: str
    version: str
    private: bool


def answers(url: str) -> bool:
    """Whether a Redis at ``url`` answers PING within a second."""
    client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def version_of(url: str) -> str:
    client = redis.Redis.from_url(url, socket_timeout=1.0)
    try:
        return str(client.info("server").get("redis_version", "unknown"))
    finally:
        client.close()


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of our own on a free port, without persistence; stopped afterwards."""
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="kotahub-bench-redis-")
    command = [redis_server_binary(), "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--dir", workdir]
    process = track(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while not answers(url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis-server did not start on port {port}")
            time.sleep(0.05)
        yield url
    finally:
        stop_process(process)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def bench_redis() -> Iterator[RedisInfo]:
    """$REDIS_URL if set and answering, else a private server for the run."""
    given = os.environ.get("REDIS_URL")
    if given and answers(given):
        yield RedisInfo(given, version_of(given), private=False)
        return
    with private_redis() as url:
        yield RedisInfo(url, version_of(url), private=True)


def forget_prefix(url: str, prefix: str) -> None:
    """Deletes the keys a run left under ``prefix``, so a shared Redis keeps no bench data."""
    client = redis.Redis.from_url(url, socket_timeout=5.0)
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
    except redis.RedisError:
        pass  # only tidying: the keys expire on their own
    finally:
        client.close()
