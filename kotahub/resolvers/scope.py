"""What one request's resolvers share: the adapters, loaders, language, clock and limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from kotahub.access import ANONYMOUS, Principal
from kotahub.adapters.catalog import Catalog
from kotahub.outbox.store import Outbox
from kotahub.records import EmergencyContact, GeoPoint, Lang
from kotahub.resolvers.index_cache import IndexCache, RequestMemo
from kotahub.resolvers.live_feeds import LiveFeeds, SubscriptionGate
from kotahub.resolvers.loaders import Loaders
from kotahub.upstream.source_status import SourceSnapshot


@dataclass(frozen=True, slots=True)
class PageLimits:
    default: int
    maximum: int


@dataclass(frozen=True, slots=True)
class CityBounds:
    """The box a complaint's location must fall in: west, south, east, north."""

    min_lon: float = 116.75
    min_lat: float = -1.40
    max_lon: float = 117.20
    max_lat: float = -0.95

    def contains(self, point: GeoPoint) -> bool:
        return (
            self.min_lat <= point.lat <= self.max_lat and self.min_lon <= point.lon <= self.max_lon
        )


@dataclass(frozen=True, slots=True)
class ComplaintRules:
    """How complaints are judged: the service level when a source sets no expected time."""

    service_level: timedelta = timedelta(days=14)
    bounds: CityBounds = field(default_factory=CityBounds)


@dataclass(frozen=True, slots=True)
class Invalidation:
    """What dropping a source's cached data did."""

    source: str
    generation: int
    everywhere: bool  # False: Redis was down, so only this process forgot


class CacheAdmin(Protocol):
    """The cache operations an authorised request may ask for; the HTTP layer provides it."""

    async def invalidate(self, source: str) -> Invalidation: ...


class SourceStatusReader(Protocol):
    """Each source's circuit breaker and last outcomes in this process; the HTTP layer
    provides it."""

    def snapshot(self) -> tuple[SourceSnapshot, ...]: ...


@dataclass(frozen=True, slots=True)
class RequestScope:
    """Made fresh for each request by the HTTP layer."""

    catalog: Catalog
    loaders: Loaders
    lang: Lang
    zone: ZoneInfo
    now: datetime
    page_limits: PageLimits
    emergency_contacts: tuple[EmergencyContact, ...] = ()
    complaint_rules: ComplaintRules = field(default_factory=ComplaintRules)
    outbox: Outbox | None = None
    # Shared by every request of the process: search indexes by the version of their data.
    indexes: IndexCache[Any] = field(default_factory=IndexCache)
    memo: RequestMemo = field(default_factory=RequestMemo)
    cache_admin: CacheAdmin | None = None
    principal: Principal = ANONYMOUS
    source_statuses: SourceStatusReader | None = None
    # Who asks, as the rate limits count it ("key:NAME", else the client's address): a
    # caller's idempotency keys are its own.
    caller: str = "unknown"
    live: LiveFeeds | None = None  # events and interests, for subscriptions
    subscriptions: SubscriptionGate | None = None
