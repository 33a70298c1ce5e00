"""Server processes for the benchmark: started on free loopback ports, always stopped."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

START_SECONDS = 30.0
_started: list[subprocess.Popen[bytes]] = []  # every process started, for the safety net


def free_port() -> int:
    """A loopback port no one listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """One server process, its port and its log; stop() terminates it, then kills it."""

    def __init__(self, name: str, port: int, process: subprocess.Popen[bytes], log: Path) -> None:
        self.name = name
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.process = process
        self.log = log

    @property
    def pid(self) -> int:
        return self.process.pid

    def peak_memory_mb(self) -> float:
        """The process's peak resident set (VmHWM) so far, in MB."""
        return peak_memory_mb(self.pid)

    def wait_ready(self, path: str, seconds: float = START_SECONDS) -> None:
        """Waits until GET ``path`` answers 200; raises with the log's tail if it never does."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.url}{path}", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not start on port {self.port}:\n{self.tail()}")

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        stop_process(self.process)


def start(
    name: str, args: Sequence[str], log_dir: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Runs ``python args…`` with this interpreter, output to ``log_dir/name.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
        )
    return track(process)


def track(process: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
    """Puts a started process under the exit-time safety net."""
    _started.append(process)
    return process


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Terminates a process, and kills it if it has not exited within 5 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@atexit.register
def _stop_leftovers() -> None:
    """A safety net: whatever this run started and did not stop yet is stopped on exit."""
    for process in _started:
        stop_process(process)


def serve(
    name: str,
    args: Sequence[str],
    port: int,
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    ready_path: str = "/healthz",
) -> Server:
    """Starts a server process and waits until it answers on ``ready_path``."""
    server = Server(name, port, start(name, args, log_dir, env), log_dir / f"{name}.log")
    try:
        server.wait_ready(ready_path)
    except BaseException:  # not ready, or interrupted while waiting: it must not outlive us
        server.stop()
        raise
    return server


def peak_memory_mb(pid: int) -> float:
    """VmHWM of a process from /proc, in MB (10^6 bytes); 0 where /proc has no such line."""
    status = Path(f"/proc/{pid}/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return 0.0


def clean_environment() -> dict[str, str]:
    """This environment without any hub settings that would leak into a started server."""
    leaky = {"HOST", "PORT", "REDIS_URL"}
    return {k: v for k, v in os.environ.items() if k not in leaky and not k.startswith("KOTAHUB_")}
