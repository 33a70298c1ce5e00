"""A circuit breaker: fails fast after repeated failures, then lets one probe call through."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


@dataclass(frozen=True, slots=True)
class Passage:
    """Leave to make one call; ``probe`` when it is the one call of a half-open breaker."""

    probe: bool


class CircuitBreaker:
    """Closed: every call goes through, and ``failure_threshold`` failures in a row open it.
    Open: no call goes through for ``reset_seconds``. Half-open: one probe call goes
    through; its success closes the breaker, its failure opens it again.

    Only the outcome of the probe moves a breaker that is not closed: calls that began
    before it opened and end afterwards change nothing. It is meant for one event loop.
    """

    def __init__(
        self,
        failure_threshold: int,
        reset_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or reset_seconds <= 0:
            raise ValueError(
                f"expected failure_threshold >= 1 and reset_seconds > 0, "
                f"got {failure_threshold} and {reset_seconds}"
            )
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probing = False

    @property
    def state(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        return "half_open" if self.reopens_in() <= 0 else "open"

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    @property
    def probing(self) -> bool:
        """Whether the probe call of a half-open breaker is under way."""
        return self._probing

    def reopens_in(self) -> float:
        """Seconds until a probe may go through; 0 when closed or half-open."""
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.reset_seconds - self._clock())

    def admit(self) -> Passage | None:
        """Leave for one call, or None when the call must fail fast."""
        state = self.state
        if state == "closed":
            return Passage(probe=False)
        if state == "half_open" and not self._probing:
            self._probing = True
            return Passage(probe=True)
        return None

    def succeeded(self, passage: Passage) -> None:
        if passage.probe:
            self._probing = False
            self._opened_at = None
            self._failures = 0
        elif self._opened_at is None:
            self._failures = 0

    def failed(self, passage: Passage) -> None:
        if passage.probe:
            self._probing = False
            self._failures += 1
            self._opened_at = self._clock()
        elif self._opened_at is None:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._opened_at = self._clock()

    def abandoned(self, passage: Passage) -> None:
        """The call ended without an outcome (it was cancelled): another probe may go."""
        if passage.probe:
            self._probing = False
