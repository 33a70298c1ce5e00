"""A clock for the hub that stands still until the test moves it."""

from __future__ import annotations

import time


class FakeClock:
    """Starts at the real moment, so that the times the hub shows look like real ones."""

    def __init__(self) -> None:
        self._monotonic = time.monotonic()
        self._time = time.time()

    def monotonic(self) -> float:
        return self._monotonic

    def time(self) -> float:
        return self._time

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass at once, for both kinds of time."""
        self._monotonic += seconds
        self._time += seconds
