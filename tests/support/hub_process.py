"""Hubs run as real processes (``kotahub serve``), for what only separate replicas show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.support.ports import free_port


@dataclass
class HubProcess:
    """One ``kotahub serve`` process: where it answers and where it logs."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]

    def restart(self) -> None:
        """Stopped (SIGTERM, as an orchestrator does) and started again on the same port."""
        self.stop()
        self.process = _spawn(self.env, self.log)
        _wait_ready(self.url)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@contextmanager
def hub_processes(
    count: int, sources: list[dict[str, Any]], log_dir: Path, **settings: str
) -> Iterator[list[str]]:
    """``count`` hubs sharing the settings (Redis, cache prefix, …); yields their base URLs."""
    with hub_replicas(count, sources, log_dir, **settings) as hubs:
        yield [hub.url for hub in hubs]


@contextmanager
def hub_replicas(
    count: int, sources: list[dict[str, Any]], log_dir: Path, **settings: str
) -> Iterator[list[HubProcess]]:
    """``count`` hubs sharing the settings, each logging to ``hub-N.log`` in ``log_dir``."""
    hubs: list[HubProcess] = []
    try:
        for n in range(count):
            hubs.append(_start(free_port(), sources, log_dir / f"hub-{n}.log", settings))
        for hub in hubs:
            _wait_ready(hub.url)
        yield hubs
    finally:
        for hub in hubs:
            hub.process.terminate()
        for hub in hubs:
            hub.stop()


def _start(
    port: int, sources: list[dict[str, Any]], log: Path, settings: dict[str, str]
) -> HubProcess:
    env = {
        **os.environ,
        "KOTAHUB_HOST": "127.0.0.1",
        "KOTAHUB_PORT": str(port),
        "KOTAHUB_SOURCES": json.dumps(sources),
        "KOTAHUB_DELIVERY_WORKER": "false",
        **{f"KOTAHUB_{name.upper()}": value for name, value in settings.items()},
    }
    return HubProcess(f"http://127.0.0.1:{port}", _spawn(env, log), log, env)


def _spawn(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "kotahub", "serve"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


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
