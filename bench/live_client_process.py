"""The subscribers' process seen from the benchmark: started, listened to, stopped."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from bench.processes import stop_process, track


class ClientProcess:
    """`python -m bench.live_clients`, its JSON lines read in a thread as they come."""

    def __init__(self, args: list[str], log: Path) -> None:
        command = [sys.executable, "-m", "bench.live_clients", *args]
        with log.open("wb") as errors:
            self.process = track(
                subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
                )
            )
        self.log = log
        self._lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()

    def _read(self, stdout: IO[bytes]) -> None:
        for line in stdout:
            self._lines.put(json.loads(line))
        self._lines.put(None)

    def expect(self, key: str, seconds: float) -> dict[str, Any] | None:
        """The next line holding ``key`` within ``seconds`` (others are passed over); None
        when none came."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"the subscribers' process ended:\n{tail}")
            if key in line:
                return line
        return None

    def stop(self, seconds: float = 60.0) -> list[dict[str, Any]]:
        """Ends every subscriber; what each heard."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"stop\n")
        self.process.stdin.flush()
        try:
            report = self.expect("report", seconds)
        finally:
            stop_process(self.process)
        if report is None:
            raise RuntimeError("the subscribers' process sent no report")
        described: list[dict[str, Any]] = report["report"]
        return described

    def kill(self) -> None:
        stop_process(self.process)
