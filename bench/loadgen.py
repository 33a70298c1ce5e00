"""Load generator: keep-alive HTTP/1.1 connections POSTing one body, run as its own process.

A minimal asyncio-streams client (httpx is too slow to saturate a bare route). Prints one
JSON object on stdout: requests, errors (non-200, a GraphQL ``errors`` member in a 200, or a
broken connection), the seconds measured, requests per second, p50 and p99 latency in ms.

    python -m bench.loadgen --port 8000 --body body.json --concurrency 32 --duration 10
    python -m bench.loadgen --port 8000 --body body.json --burst 200
    python -m bench.loadgen --port 8000 --body bodies.jsonl --lines --header "X-API-Key: …"

With ``--lines`` the file holds one body a line, and each request takes the next one (all
connections share the turn), so no two requests repeat until the file is used up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import cycle
from pathlib import Path

HOST = "127.0.0.1"
GRAPHQL_ERRORS = b'"errors":'


@dataclass
class Tally:
    """Latencies of the 200 answers, and how many requests failed."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    expected: int = 200  # -1 when measuring refusals: a 200 whose body holds only errors

    def count(self, status: int, started: float) -> None:
        """Counts one answer; ``status`` 0 is a broken connection, -1 a 200 with errors."""
        label = {0: "broken", -1: "graphql_errors"}.get(status, str(status))
        self.statuses[label] = self.statuses.get(label, 0) + 1
        if status == self.expected:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
        else:
            self.errors += 1


class BrokenResponse(Exception):
    """The server closed the connection or sent something this client cannot read."""


def request_bytes(port: int, path: str, body: bytes, headers: Sequence[str] = ()) -> bytes:
    """One POST of ``body`` as JSON, keeping the connection open; ``headers`` as
    ``Name: value``."""
    extra = "".join(f"{header}\r\n" for header in headers)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    """Reads one response with a Content-Length body; returns its status code, or -1 for a
    200 whose JSON body has a GraphQL ``errors`` member."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
        raise BrokenResponse("connection closed before a response head") from exc
    status = int(head[9:12])
    length = _content_length(head)
    try:
        body = await reader.readexactly(length)
    except asyncio.IncompleteReadError as exc:
        raise BrokenResponse("connection closed inside a response body") from exc
    return -1 if status == 200 and GRAPHQL_ERRORS in body else status


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n"):
        if line.startswith(b"content-length:"):
            return int(line.split(b":", 1)[1])
    raise BrokenResponse("response without Content-Length")


class Connection:
    """One keep-alive connection that reconnects after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def open(self) -> None:
        self.streams = await asyncio.open_connection(HOST, self.port, limit=2**20)

    async def exchange(self, request: bytes) -> int:
        """Sends one request and returns the status; reconnects when the connection broke."""
        try:
            if self.streams is None:
                await self.open()
            assert self.streams is not None
            reader, writer = self.streams
            writer.write(request)
            await writer.drain()
            return await read_response(reader)
        except (BrokenResponse, ConnectionError):
            self.close()
            return 0

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


async def _worker(port: int, requests: Iterator[bytes], deadline: float, tally: Tally) -> None:
    connection = Connection(port)
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            tally.count(await connection.exchange(next(requests)), started)
    finally:
        connection.close()


async def sustained(
    port: int, requests: Sequence[bytes], concurrency: int, seconds: float, expected: int = 200
) -> dict[str, float]:
    """``concurrency`` connections each sending requests back to back for ``seconds``, taking
    the ``requests`` in turn."""
    tally = Tally(expected=expected)
    started = time.perf_counter()
    deadline = started + seconds
    turn = cycle(requests)
    await asyncio.gather(*(_worker(port, turn, deadline, tally) for _ in range(concurrency)))
    return summary(tally, time.perf_counter() - started)


async def burst(port: int, requests: Sequence[bytes], count: int) -> dict[str, float]:
    """``count`` connections opened first, then one request on each (the ``requests`` in
    turn), all at once."""
    turn = cycle(requests)
    tally = Tally()
    connections = [Connection(port) for _ in range(count)]
    await asyncio.gather(*(c.open() for c in connections))
    started = time.perf_counter()

    async def one(connection: Connection, request: bytes) -> None:
        tally.count(await connection.exchange(request), started)
        connection.close()

    await asyncio.gather(*(one(c, next(turn)) for c in connections))
    return summary(tally, time.perf_counter() - started)


def summary(tally: Tally, elapsed: float) -> dict[str, float]:
    """Counts, throughput and latency percentiles of a run."""
    done = len(tally.latencies_ms)
    return {
        "requests": done,
        "errors": tally.errors,
        "seconds": elapsed,
        "rps": done / elapsed if elapsed > 0 else 0.0,
        "p50_ms": percentile(tally.latencies_ms, 50),
        "p99_ms": percentile(tally.latencies_ms, 99),
        **{f"status_{code}": n for code, n in tally.statuses.items()},
    }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(len(ordered), rank) - 1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/graphql")
    parser.add_argument("--body", type=Path, required=True, help="file with the JSON body")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--burst", type=int, help="send this many requests at once, then stop")
    parser.add_argument(
        "--expect-refusal", action="store_true", help="count refusals (200 with errors) as answers"
    )
    parser.add_argument("--lines", action="store_true", help="the file holds a body a line")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    args = parser.parse_args(argv)
    text = args.body.read_bytes()
    bodies = [line for line in text.splitlines() if line.strip()] if args.lines else [text]
    requests = [request_bytes(args.port, args.path, body, args.header) for body in bodies]
    if args.burst:
        result = asyncio.run(burst(args.port, requests, args.burst))
    else:
        expected = -1 if args.expect_refusal else 200
        run = sustained(args.port, requests, args.concurrency, args.duration, expected)
        result = asyncio.run(run)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
