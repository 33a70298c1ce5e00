"""Fair use: how many operations each client may run, counted in Redis across replicas."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from pydantic import BaseModel, ConfigDict, field_validator

from kotahub.access import Principal, Role
from kotahub.hub.http.client_identity import client_identity
from kotahub.hub.policy.grouped_hits import GroupedHits
from kotahub.store.redis_connection import REDIS_FAILURES

log = logging.getLogger("kotahub.limits")
COUNTING_FAILURES: tuple[type[Exception], ...] = (StorageError, *REDIS_FAILURES)


class RateLimitSettings(BaseModel):
    """Limits in the ``limits`` notation: "300/minute", "5/minute;20/hour"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    anonymous: str = "300/minute"
    partner: str = "3000/minute"
    admin: str = "3000/minute"
    submit_anonymous: str = "5/minute;20/hour"
    submit_partner: str = "120/minute"
    # Documents kept for automatic persisted queries; one over the limit runs, but is not kept.
    register_anonymous: str = "10/minute;30/hour"
    register_partner: str = "300/hour"

    @field_validator(
        "anonymous",
        "partner",
        "admin",
        "submit_anonymous",
        "submit_partner",
        "register_anonymous",
        "register_partner",
    )
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(
                f"expected limits such as '300/minute' or '5/minute;20/hour' ({exc})"
            ) from exc
        return value


@dataclass(frozen=True, slots=True)
class Refusal:
    """A client went over a limit: which one, and when it may try again."""

    limit: str
    retry_after: int
    message: str


class RateLimits:
    """Counts operations per client: its API key's name, else its address."""

    def __init__(
        self,
        settings: RateLimitSettings,
        storage: Storage,
        retry_seconds: float = 5.0,
    ) -> None:
        self.enabled = settings.enabled
        self._retry_seconds = retry_seconds
        self._redis_again_at = 0.0  # after a failure, Redis is left alone until then
        self._general = {
            Role.ANONYMOUS: parse_many(settings.anonymous),
            Role.PARTNER: parse_many(settings.partner),
            Role.ADMIN: parse_many(settings.admin),
        }
        self._submit = {
            Role.ANONYMOUS: parse_many(settings.submit_anonymous),
            Role.PARTNER: parse_many(settings.submit_partner),
            Role.ADMIN: parse_many(settings.submit_partner),
        }
        self._register = {
            Role.ANONYMOUS: parse_many(settings.register_anonymous),
            Role.PARTNER: parse_many(settings.register_partner),
            Role.ADMIN: parse_many(settings.register_partner),
        }
        self._shared = SlidingWindowCounterRateLimiter(storage)
        # Used while Redis is unreachable: each replica then counts on its own.
        self._local = SlidingWindowCounterRateLimiter(MemoryStorage())
        self._counting_here = False
        self._groups = GroupedHits()

    async def admit(self, principal: Principal, address: str, operations: int) -> Refusal | None:
        """Count operations against the client's limits; a Refusal when one is used up."""
        if not self.enabled:
            return None
        limits = self._general[principal.role]
        return await self._hit(limits, "ops", client_identity(principal, address), operations)

    async def admit_submissions(
        self, principal: Principal, address: str, submissions: int
    ) -> Refusal | None:
        """Count complaint submissions against the client's stricter limits."""
        if not self.enabled:
            return None
        limits = self._submit[principal.role]
        return await self._hit(limits, "submit", client_identity(principal, address), submissions)

    async def admit_registrations(
        self, principal: Principal, address: str, documents: int
    ) -> Refusal | None:
        """Count the persisted-query documents the client asks the hub to keep."""
        if not self.enabled:
            return None
        limits = self._register[principal.role]
        return await self._hit(limits, "register", client_identity(principal, address), documents)

    async def _hit(
        self, items: list[RateLimitItem], kind: str, client: str, cost: int
    ) -> Refusal | None:
        for item in items:
            limiter = self._local
            if time.monotonic() >= self._redis_again_at:
                try:
                    allowed = await self._shared_hit(item, kind, client, cost)
                    limiter = self._shared
                    self._count_here(None)
                except COUNTING_FAILURES as exc:
                    # A hung Redis would hold every request for its timeout: not again soon.
                    self._redis_again_at = time.monotonic() + self._retry_seconds
                    self._count_here(exc)
            if limiter is self._local:
                allowed = await self._local.hit(item, kind, client, cost=cost)
            if not allowed:
                return await _refusal(limiter, item, kind, client)
        return None

    async def _shared_hit(self, item: RateLimitItem, kind: str, client: str, cost: int) -> bool:
        async def count(total: int) -> bool:
            return await self._shared.hit(item, kind, client, cost=total)

        return await self._groups.hit(item.key_for(kind, client), cost, count)

    def _count_here(self, problem: BaseException | None) -> None:
        """Say once that counting moved into this process, and once that it moved back."""
        if problem is not None and not self._counting_here:
            log.warning("rate limits counted in this process: Redis failed (%s)", problem)
        elif problem is None and self._counting_here:
            log.warning("rate limits counted in Redis again")
        self._counting_here = problem is not None


_COUNTED = {"submit": "complaint submissions", "register": "persisted-query documents kept"}


async def _refusal(
    limiter: SlidingWindowCounterRateLimiter, item: RateLimitItem, kind: str, client: str
) -> Refusal:
    try:
        stats = await limiter.get_window_stats(item, kind, client)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
    except COUNTING_FAILURES:
        wait = item.get_expiry()
    what = _COUNTED.get(kind, "operations")
    return Refusal(
        str(item),
        wait,
        f"too many {what}: the limit is {item} for this client; try again in {wait} s",
    )
