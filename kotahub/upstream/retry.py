"""Retrying an idempotent request: backoff with jitter, Retry-After, all within one deadline."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base
from tenacity.wait import wait_base, wait_exponential, wait_random

from kotahub.errors import SourceError, SourceHTTPError
from kotahub.upstream.urls import located

log = logging.getLogger("kotahub.upstream")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Waits between attempts: 0.1 s, 0.2 s, 0.4 s … up to 2 s, each plus up to 0.1 s of jitter.
BACKOFF = wait_exponential(multiplier=0.1, max=2.0) + wait_random(0, 0.1)
# A retry is not worth starting with less time than this left before the deadline.
MIN_ATTEMPT_SECONDS = 0.05


class Deadline:
    """The moment one call must be over by, retries included; ``limit`` says what set it."""

    def __init__(
        self,
        seconds: float,
        clock: Callable[[], float] = time.monotonic,
        limit: str | None = None,
    ) -> None:
        self.seconds = seconds
        self.limit = limit or f"the call's {seconds:g}s (timeout_seconds)"
        self._clock = clock
        self._ends = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._ends - self._clock())


class RetryableAnswer(Exception):
    """An answer worth asking again for (429, 502, 503, 504); the last one is returned."""

    def __init__(self, response: httpx.Response, retry_after: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.retry_after = retry_after


async def with_retries(
    source: str,
    send_once: Callable[[], Awaitable[httpx.Response]],
    retries: int,
    deadline: Deadline,
    on_retry: Callable[[], None],
) -> httpx.Response:
    """The first answer not worth retrying, or the last one; ``send_once`` is attempted up
    to ``retries`` more times after connection errors, timeouts and 429/502/503/504, as
    long as the wait before the next attempt ends well before the deadline."""

    async def attempt() -> httpx.Response:
        return _checked(source, await send_once(), deadline)

    def before_sleep(state: RetryCallState) -> None:
        on_retry()
        failure = state.outcome.exception() if state.outcome else None
        log.info("source %s: retrying in %.2fs after %s", source, state.upcoming_sleep, failure)

    retrying = AsyncRetrying(
        stop=stop_after_attempt(retries + 1) | _OutOfTime(deadline),
        wait=_RetryAfterOrBackoff(),
        retry=retry_if_exception(_worth_retrying),
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        async for trying in retrying:
            with trying:
                return await attempt()
    except RetryableAnswer as last:
        return last.response
    raise AssertionError("tenacity ended without an outcome")  # pragma: no cover


def _checked(source: str, response: httpx.Response, deadline: Deadline) -> httpx.Response:
    """The response, or RetryableAnswer when asking again may help; an answer asking to be
    retried later than the deadline allows is a final error, at once."""
    if response.status_code not in RETRY_STATUSES:
        return response
    delay = retry_after_seconds(response.headers.get("retry-after"))
    left = deadline.remaining()
    if delay is not None and delay + MIN_ATTEMPT_SECONDS > left:
        where = located(response.request.method, response.url)
        message = (
            f"{where} answered HTTP {response.status_code} asking to be retried after "
            f"{delay:g}s, but only {left:.2f}s of {deadline.limit} are left; not retried"
        )
        raise SourceHTTPError(source, response.status_code, message, body=response.text[:4096])
    raise RetryableAnswer(response, delay)


def _worth_retrying(error: BaseException) -> bool:
    if isinstance(error, RetryableAnswer):
        return True
    # Connection errors and timeouts of one attempt (the deadline ends the whole call).
    return isinstance(error, SourceError) and isinstance(error.__cause__, httpx.TransportError)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait by a Retry-After header (RFC 9110, 10.2.3): delay-seconds or an
    HTTP date; None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _RetryAfterOrBackoff(wait_base):
    """The wait the upstream asked for with Retry-After, else exponential with jitter."""

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        failure = outcome.exception() if outcome is not None else None
        if isinstance(failure, RetryableAnswer) and failure.retry_after is not None:
            return failure.retry_after
        return float(BACKOFF(retry_state))


class _OutOfTime(stop_base):
    """Stop when the wait and a useful attempt no longer fit before the deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        needed = retry_state.upcoming_sleep + MIN_ATTEMPT_SECONDS
        return needed > self.deadline.remaining()
