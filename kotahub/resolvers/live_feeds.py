"""What subscriptions listen to: the replicas' events, who follows which complaint, the clock."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from kotahub.clock import Clock
from kotahub.errors import ClientInputError
from kotahub.resolvers.complaint_interests import Interests
from kotahub.store.events import EventStream


@dataclass(frozen=True, slots=True)
class LiveFeeds:
    events: EventStream
    interests: Interests
    clock: Clock


def served(live: LiveFeeds | None) -> LiveFeeds:
    if live is None:
        raise ClientInputError("live updates are not served here: this hub has no event stream")
    return live


class SubscriptionGate(Protocol):
    """Admits one subscription of a caller for as long as the block lasts, or raises
    TooManySubscriptions; the HTTP layer provides it, with its limits and metrics."""

    def opened(self, field: str, caller: str) -> AbstractAsyncContextManager[None]: ...

    def delivered(self, field: str) -> None: ...
