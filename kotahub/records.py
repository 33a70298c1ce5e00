"""Neutral records shared by the layers: adapters produce them, resolvers and schema read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

Lang = Literal["id", "en"]


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A WGS 84 position."""

    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Near:
    """A point and a radius around it, in kilometres."""

    point: GeoPoint
    radius_km: float


@dataclass(frozen=True, slots=True)
class LocalizedText:
    """Text people read, in Indonesian and, where the source gives it, English."""

    id: str
    en: str | None = None

    def pick(self, lang: Lang) -> str:
        """The text in ``lang``, falling back to Indonesian."""
        return self.en if lang == "en" and self.en else self.id


@dataclass(frozen=True, slots=True)
class Provenance:
    """Which source an answer came from, when it was fetched, and whether it is past its TTL."""

    source: str
    fetched_at: datetime
    stale: bool = False


@dataclass(frozen=True, slots=True)
class TicketPrice:
    """Entrance prices in whole units of the currency (rupiah by default)."""

    adult: int | None
    child: int | None = None
    currency: str = "IDR"


@dataclass(frozen=True, slots=True)
class TouristSpotRecord:
    """An attraction as any tourism source describes it."""

    source: str
    local_id: str
    name: str
    provenance: Provenance
    categories: tuple[str, ...] = ()
    district: str | None = None
    address: str | None = None
    description: LocalizedText | None = None
    location: GeoPoint | None = None
    location_estimated: bool = False
    opening_hours: str | None = None
    ticket_price: TicketPrice | None = None
    e_ticket_url: str | None = None
    photos: tuple[str, ...] = field(default_factory=tuple)


FacilityType = Literal["hospital", "puskesmas", "clinic", "pharmacy", "laboratory", "other"]


@dataclass(frozen=True, slots=True)
class HealthServiceRecord:
    """One service a facility offers, such as its emergency department or outpatient clinic."""

    name: str
    categories: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    emergency: bool = False
    opening_hours: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class HealthFacilityRecord:
    """A place where people get care, as any health source describes it."""

    source: str
    local_id: str
    name: str
    provenance: Provenance
    facility_type: FacilityType = "other"
    district: str | None = None
    address: str | None = None
    location: GeoPoint | None = None
    location_estimated: bool = False
    phone: str | None = None
    opening_hours: str | None = None
    emergency: bool = False
    services: tuple[HealthServiceRecord, ...] = ()
    organization: str | None = None
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class EmergencyContact:
    """A number to call in an emergency."""

    service: str
    number: str
    name: LocalizedText
    description: LocalizedText | None = None


class PlaceRecord(Protocol):
    """What every record of a place has, whatever its domain."""

    @property
    def source(self) -> str: ...
    @property
    def local_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def district(self) -> str | None: ...
    @property
    def address(self) -> str | None: ...
    @property
    def location(self) -> GeoPoint | None: ...
    @property
    def location_estimated(self) -> bool: ...
    @property
    def opening_hours(self) -> str | None: ...
    @property
    def provenance(self) -> Provenance: ...
