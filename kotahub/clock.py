"""The hub's clock: both kinds of time it reads, from one object it is handed."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """``monotonic`` measures windows within this process (a generation's reread, a breaker's
    reset); ``time`` gives moments in seconds since the epoch, which every replica reads
    alike (when an upstream answer was fetched, until when it is fresh)."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class SystemClock:
    """The real clock, the one the hub runs on outside tests."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


SYSTEM_CLOCK = SystemClock()


def utc_now(clock: Clock) -> datetime:
    """The clock's moment as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), UTC)
