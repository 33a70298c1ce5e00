"""The deadline of one GraphQL request, which every upstream call made for it must keep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from kotahub.errors import RequestDeadlineExceeded

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RequestDeadline:
    """When the request being served must be over by (``time.monotonic()`` seconds)."""

    seconds: float  # request_timeout_seconds, as configured
    ends_at: float

    @classmethod
    def starting_now(
        cls, seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> RequestDeadline:
        return cls(seconds, clock() + seconds)

    def remaining(self, clock: Callable[[], float] = time.monotonic) -> float:
        return max(0.0, self.ends_at - clock())


CURRENT_DEADLINE: ContextVar[RequestDeadline | None] = ContextVar(
    "kotahub_request_deadline", default=None
)


@contextmanager
def request_deadline(seconds: float) -> Iterator[RequestDeadline]:
    """The request served within this block must be over ``seconds`` from now."""
    deadline = RequestDeadline.starting_now(seconds)
    token = CURRENT_DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        CURRENT_DEADLINE.reset(token)


def call_budget(timeout_seconds: float) -> tuple[float, RequestDeadline | None]:
    """The seconds one call to a source may take: its own ``timeout_seconds``, or what the
    request has left when that is less (then with the request's deadline, which is the
    limit); outside a request, such as in the delivery worker, always the source's own."""
    deadline = CURRENT_DEADLINE.get()
    if deadline is None:
        return timeout_seconds, None
    left = deadline.remaining()
    return (left, deadline) if left < timeout_seconds else (timeout_seconds, None)


def deadline_passed(
    source: str, where: str, deadline: RequestDeadline, *, sent: bool
) -> RequestDeadlineExceeded:
    """The error of a call the request's deadline ended (``sent``) or left no time for."""
    limit = f"the request's deadline of {deadline.seconds:g}s (request_timeout_seconds)"
    if sent:
        return RequestDeadlineExceeded(source, f"{where} got no answer before {limit} passed")
    return RequestDeadlineExceeded(source, f"{where} not sent: {limit} has passed")


@asynccontextmanager
async def within_request_deadline(source: str, where: str) -> AsyncIterator[None]:
    """Bound whatever the block waits for (a shared fetch, another replica, the cache) by
    the time the request has left; RequestDeadlineExceeded when it runs out."""
    deadline = CURRENT_DEADLINE.get()
    if deadline is None:
        yield
        return
    left = deadline.remaining()
    if left <= 0:
        raise deadline_passed(source, where, deadline, sent=False)
    bound = asyncio.timeout(left)
    try:
        async with bound:
            yield
    except TimeoutError as exc:
        if not bound.expired():
            raise
        raise deadline_passed(source, where, deadline, sent=True) from exc


async def detached(work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` (as a task of its own) free of the deadline of the request that started
    it: a background refresh, or a fetch that other requests share, keeps only the sources'
    own deadlines. The task runs in a copy of the context, so the request keeps its own."""
    CURRENT_DEADLINE.set(None)
    return await work()
