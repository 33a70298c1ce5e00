"""Loopback ports for the tests' servers: each pytest-xdist worker draws from a block of its own.

The blocks lie below the range the system hands out for outgoing connections (32768 and up on
Linux), so neither another worker nor a client socket can take a port between the moment it is
chosen and the moment a server binds it. A Redis Cluster node also needs its bus port (the port
plus 10000), so ports are drawn from 10000-19999 and their bus ports fall in 20000-29999.
"""

from __future__ import annotations

import itertools
import os
import socket
from collections.abc import Iterator

FIRST_PORT = 10_000
PORTS = 10_000
BUS_OFFSET = 10_000
BLOCK = 250  # ports for each worker: room for 40 workers


def worker_index(worker: str | None = None) -> int:
    """This process's pytest-xdist worker number ("gw3" is 3); 0 when not run by xdist."""
    name = worker if worker is not None else os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    digits = name.removeprefix("gw")
    if not digits.isdigit():
        raise ValueError(f"PYTEST_XDIST_WORKER: expected gw<number>, got {name!r}")
    return int(digits)


def worker_block(index: int) -> range:
    """The ports worker ``index`` may hand out; blocks repeat past 40 workers."""
    start = FIRST_PORT + (index * BLOCK) % PORTS
    return range(start, start + BLOCK)


def _cycle() -> Iterator[int]:
    return itertools.cycle(worker_block(worker_index()))


_candidates = _cycle()


def is_free(port: int) -> bool:
    """Nothing is bound to ``port`` on 127.0.0.1 at this moment."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port(with_bus: bool = False) -> int:
    """The next free port of this worker's block (and, ``with_bus``, its bus port too)."""
    for _ in range(BLOCK):
        port = next(_candidates)
        if is_free(port) and (not with_bus or is_free(port + BUS_OFFSET)):
            return port
    raise RuntimeError(f"no free loopback port left in {worker_block(worker_index())}")
