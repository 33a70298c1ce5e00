"""What subscriptions listen to: the replicas' events, who follows which complaint, the clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from kotahub.clock import Clock
from kotahub.errors import ClientInputError, KotaHubError
from kotahub.resolvers.complaint_interests import Interests
from kotahub.store.events import EventStream
from kotahub.store.redis_connection import REDIS_FAILURES


@dataclass(frozen=True, slots=True)
class LiveFeeds:
    events: EventStream
    interests: Interests
    clock: Clock
    poll_seconds: float = 30.0  # the watcher's interval: how old a first look may be


class LiveUnavailable(KotaHubError):
    """The event store (Redis) does not answer: nothing can be followed right now."""

    code = "SERVICE_UNAVAILABLE"


@asynccontextmanager
async def redis_answering() -> AsyncIterator[None]:
    """Redis failures inside the block, as the error a subscriber is told."""
    try:
        yield
    except REDIS_FAILURES as exc:
        raise LiveUnavailable(
            "live updates cannot start right now: the event store does not answer; "
            "subscribe again shortly (queries are served as usual)"
        ) from exc


def served(live: LiveFeeds | None) -> LiveFeeds:
    if live is None:
        raise ClientInputError("live updates are not served here: this hub has no event stream")
    return live


class SubscriptionGate(Protocol):
    """Admits one subscription of a caller for as long as the block lasts, or raises
    TooManySubscriptions; the HTTP layer provides it, with its limits and metrics."""

    def opened(self, field: str, caller: str) -> AbstractAsyncContextManager[None]: ...

    def delivered(self, field: str) -> None: ...
