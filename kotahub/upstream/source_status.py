"""Each source's status as this process sees it: its circuit breaker, last success and failure."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from kotahub.errors import SourceCircuitOpen, SourceError, SourceHTTPError
from kotahub.observability.metrics import HubMetrics
from kotahub.records import HUB_SOURCE
from kotahub.upstream.circuit_breaker import BreakerState, CircuitBreaker, Passage
from kotahub.upstream.skips import NOTHING_SKIPPED, SkipLedger, SkippedRecords
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.urls import public_url
from kotahub.upstream.usage import SourceUse, record_use

log = logging.getLogger("kotahub.upstream")

STATE_VALUES: dict[BreakerState, float] = {"closed": 0.0, "half_open": 1.0, "open": 2.0}
# Answers that say the upstream is overloaded or failing, not that the request was wrong.
FAILING_STATUSES = frozenset({408, 429})


@dataclass(frozen=True, slots=True)
class SourceSnapshot:
    """One source's status at one moment; nothing in it carries a credential."""

    name: str
    kind: str
    base_url: str  # without user name, password or secret-looking query values
    state: BreakerState
    consecutive_failures: int
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None  # "CODE: what went wrong", as the errors say it
    skipped: SkippedRecords = NOTHING_SKIPPED


def breaks_circuit(error: SourceError) -> bool:
    """Whether a failure counts against the breaker: timeouts, connection errors, 5xx,
    429 and garbage do; an HTTP 4xx means the upstream answered and the request was wrong."""
    if isinstance(error, SourceHTTPError):
        return error.status >= 500 or error.status in FAILING_STATUSES
    return True


class SourceStatus:
    """One source: lets calls through its breaker and remembers how the last ones went."""

    def __init__(
        self,
        settings: SourceSettings,
        metrics: HubMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = settings.name
        self.kind = settings.kind
        self.base_url = public_url(str(settings.base_url))
        self.breaker = CircuitBreaker(
            settings.breaker_failures, settings.breaker_reset_seconds, clock
        )
        self.last_success_at: datetime | None = None
        self.last_failure_at: datetime | None = None
        self.last_error: str | None = None
        self.skips = SkipLedger(self.name, metrics.records_skipped)
        gauge = metrics.circuit_state.labels(self.name)
        gauge.set_function(lambda: STATE_VALUES[self.breaker.state])

    def admit(self) -> Passage:
        """Leave for one call; SourceCircuitOpen, at once, while the breaker is open."""
        passage = self.breaker.admit()
        if passage is None:
            raise SourceCircuitOpen(self.name, self._refusal())
        return passage

    def succeeded(self, passage: Passage) -> None:
        was = self.breaker.state
        self.breaker.succeeded(passage)
        self.note_success()
        self._announce(was)

    def failed(self, passage: Passage, error: SourceError) -> None:
        was = self.breaker.state
        if breaks_circuit(error):
            self.breaker.failed(passage)
        else:  # the upstream answered: it is up, even if it refused this request
            self.breaker.succeeded(passage)
        self.note_failure(error)
        self._announce(was)

    def abandoned(self, passage: Passage) -> None:
        self.breaker.abandoned(passage)

    def note_success(self) -> None:
        """Remember a success without judging the breaker by it."""
        self.last_success_at = datetime.now(UTC)

    def note_failure(self, error: SourceError) -> None:
        """Remember a failure without judging the breaker by it."""
        self.last_failure_at = datetime.now(UTC)
        self.last_error = f"{error.code}: {error.detail}"

    def snapshot(self) -> SourceSnapshot:
        return SourceSnapshot(
            name=self.name,
            kind=self.kind,
            base_url=self.base_url,
            state=self.breaker.state,
            consecutive_failures=self.breaker.consecutive_failures,
            last_success_at=self.last_success_at,
            last_failure_at=self.last_failure_at,
            last_error=self.last_error,
            skipped=self.skips.summary(),
        )

    def _refusal(self) -> str:
        """What every client is told. The last error stays out: it may name paths and
        answers meant for admins only (``lastError`` in ``sources``) and the logs."""
        breaker = self.breaker
        if breaker.probing:
            return (
                "circuit breaker half-open: one probe call is under way, and no other call "
                "goes to the upstream until it succeeds"
            )
        return (
            f"circuit breaker open after {breaker.consecutive_failures} failures in a row; "
            f"the upstream is not called for {breaker.reopens_in():.1f}s more, "
            "then one probe call is let through"
        )

    def _announce(self, was: BreakerState) -> None:
        now = self.breaker.state
        if now != was and now == "open":
            log.warning(
                "source %s: circuit breaker open for %gs: %s",
                self.name,
                self.breaker.reset_seconds,
                self.last_error,
            )
        elif now != was and now == "closed":
            log.warning("source %s: circuit breaker closed, the upstream answers again", self.name)


class SourceStatusRegistry:
    """Every source's status in this process; each replica judges its own view of them."""

    def __init__(
        self, metrics: HubMetrics | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.metrics = metrics or HubMetrics()
        self._clock = clock
        self._sources: dict[str, SourceStatus] = {}

    def register(self, settings: SourceSettings) -> SourceStatus:
        """The status of a source, made on first use; one per name."""
        status = self._sources.get(settings.name)
        if status is None:
            status = SourceStatus(settings, self.metrics, self._clock)
            self._sources[settings.name] = status
        return status

    def snapshot(self) -> tuple[SourceSnapshot, ...]:
        """Every source's status now; the response reading it is never kept whole, since
        it would soon be out of date."""
        record_use(SourceUse(HUB_SOURCE, datetime.now(UTC), stale=False, fresh_until=None))
        return tuple(status.snapshot() for status in self._sources.values())
