"""Hubs run as real processes (``kotahub serve``), for what only separate replicas show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.redis_server import free_port


@contextmanager
def hub_processes(
    count: int, sources: list[dict[str, Any]], log_dir: Path, **settings: str
) -> Iterator[list[str]]:
    """``count`` hubs sharing the settings (Redis, cache prefix, …); yields their base URLs."""
    ports = [free_port() for _ in range(count)]
    processes = []
    try:
        for n, port in enumerate(ports):
            env = {
                **os.environ,
                "KOTAHUB_HOST": "127.0.0.1",
                "KOTAHUB_PORT": str(port),
                "KOTAHUB_SOURCES": json.dumps(sources),
                "KOTAHUB_DELIVERY_WORKER": "false",
                **{f"KOTAHUB_{name.upper()}": value for name, value in settings.items()},
            }
            with (log_dir / f"hub-{n}.log").open("ab") as output:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "kotahub", "serve"],
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url in urls:
            _wait_ready(url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_ready(url: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"the hub at {url} did not start"
        time.sleep(0.1)
