"""How long the event loop was held at a stretch, seen as the lateness of a timer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

INTERVAL_SECONDS = 0.02
WINDOW_SECONDS = 60.0


class WindowMax:
    """The largest value recorded in the current window and the one before it, so that a
    scrape once a window misses none."""

    def __init__(
        self, monotonic: Callable[[], float], window_seconds: float = WINDOW_SECONDS
    ) -> None:
        self._monotonic = monotonic
        self._window = window_seconds
        self._started = monotonic()
        self._current = 0.0
        self._previous = 0.0

    def record(self, value: float) -> None:
        self._roll()
        self._current = max(self._current, value)

    def worst(self) -> float:
        self._roll()
        return max(self._current, self._previous)

    def _roll(self) -> None:
        windows = int((self._monotonic() - self._started) // self._window)
        if windows > 0:
            self._previous = self._current if windows == 1 else 0.0
            self._current = 0.0
            self._started += windows * self._window


class LoopLag:
    """How late a timer that wakes every ``INTERVAL_SECONDS`` wakes: how long work that
    never yields (in the loop's thread, or holding the interpreter's lock in another) kept
    the loop from its other tasks, give or take the interval.

    ``wall`` is that lateness as clients feel it. ``cpu`` is the part of it the process
    spent working: a machine with more work than cores stretches the first, not this one."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self.wall = WindowMax(monotonic)
        self.cpu = WindowMax(monotonic)

    async def watch(self, interval: float = INTERVAL_SECONDS) -> None:
        """Record the loop's lag until cancelled."""
        loop = asyncio.get_running_loop()
        while True:
            due, cpu = loop.time() + interval, time.process_time()
            await asyncio.sleep(interval)
            late = max(0.0, loop.time() - due)
            self.wall.record(late)
            self.cpu.record(min(late, time.process_time() - cpu))
