"""One configuration under load: warm-up, measured run, upstream calls and peak memory."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.processes import Server


@dataclass(frozen=True)
class Load:
    """How hard and how long each configuration is driven."""

    concurrency: int
    duration: float
    warmup: float


@dataclass(frozen=True)
class Result:
    """What one configuration measured."""

    key: str
    label: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    upstream_per_query: float
    peak_mb: float
    note: str = ""


def loadgen(port: int, body: Path, *options: str) -> dict[str, float]:
    """Runs bench.loadgen in a process of its own and returns what it printed."""
    command = [sys.executable, "-m", "bench.loadgen", "--port", str(port), "--body", str(body)]
    done = subprocess.run([*command, *options], capture_output=True, check=False, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"loadgen failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout)
    return result


@dataclass(frozen=True)
class Requests:
    """What the load generator sends: one body, or a body a line taken in turn, with
    headers."""

    body: Path
    lines: bool = False
    headers: tuple[str, ...] = ()

    def options(self) -> list[str]:
        headers = [option for header in self.headers for option in ("--header", header)]
        return [*(["--lines"] if self.lines else []), *headers]


def sustained(
    port: int, requests: Requests, concurrency: int, seconds: float, refusals: bool = False
) -> dict[str, float]:
    options = ["--concurrency", str(concurrency), "--duration", str(seconds)]
    options += requests.options() + (["--expect-refusal"] if refusals else [])
    return loadgen(port, requests.body, *options)


def measure(
    key: str,
    label: str,
    server: Server,
    body: Path | Requests,
    load: Load,
    upstream_calls: Callable[[], float],
    note: str = "",
    refusals: bool = False,
    warmup: Requests | None = None,
) -> Result:
    """Warm-up (not counted), then the measured run, with the upstream calls made during it;
    with ``refusals``, the answers expected are refusals (a 200 holding only errors); the
    warm-up sends ``warmup`` when given, else what is measured."""
    requests = body if isinstance(body, Requests) else Requests(body)
    if load.warmup > 0:
        sustained(server.port, warmup or requests, load.concurrency, load.warmup, refusals)
    before = upstream_calls()
    run = sustained(server.port, requests, load.concurrency, load.duration, refusals)
    calls = upstream_calls() - before
    queries = int(run["requests"] + run["errors"])
    return Result(
        key=key,
        label=label,
        rps=run["rps"],
        p50_ms=run["p50_ms"],
        p99_ms=run["p99_ms"],
        requests=int(run["requests"]),
        errors=int(run["errors"]),
        upstream_per_query=calls / queries if queries else 0.0,
        peak_mb=server.peak_memory_mb(),
        note=note,
    )
