"""What one request's resolvers share: the adapters, loaders, language, clock and limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from kotahub.records import EmergencyContact, Lang
from kotahub.resolvers.catalog import Catalog
from kotahub.resolvers.loaders import Loaders


@dataclass(frozen=True, slots=True)
class PageLimits:
    default: int
    maximum: int


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
