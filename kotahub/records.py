"""Neutral records shared by the layers: adapters produce them, resolvers and schema read them."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Literal, Protocol

Lang = Literal["id", "en"]
# The names global ids and provenance give to what is not from a configured source:
HUB_SOURCE = "hub"  # what the hub holds or computes itself (queued complaints, live indicators)
CITY_SOURCE = "city"  # what the city is (its six dimensions, its kecamatan)
RESERVED_SOURCE_NAMES = frozenset({HUB_SOURCE, CITY_SOURCE})


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
    # For data read from several pages: the fetch times of them all, so that a page fetched
    # anew changes it even when the oldest page did not change.
    revision: tuple[datetime, ...] = ()
    # The source's own labels of the record, such as FHIR's meta.tag "HTEST" (test data).
    tags: tuple[str, ...] = ()

    @classmethod
    def combined(cls, pages: Sequence[Provenance]) -> Provenance:
        """As old as the oldest page, stale if any page was, revised when any page is."""
        oldest = min(pages, key=lambda page: page.fetched_at)
        times = tuple(sorted({at for page in pages for at in (page.fetched_at, *page.revision)}))
        return cls(oldest.source, oldest.fetched_at, any(p.stale for p in pages), times)


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


ComplaintStatus = Literal["open", "closed"]


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One allowed value of a list attribute."""

    key: str
    name: str


@dataclass(frozen=True, slots=True)
class CategoryAttribute:
    """An extra question a complaint category asks (Open311 service attribute)."""

    code: str
    datatype: str
    required: bool
    description: str
    variable: bool = True
    order: int = 0
    values: tuple[AttributeValue, ...] = ()


@dataclass(frozen=True, slots=True)
class ComplaintCategoryRecord:
    """A kind of complaint the city takes, such as damaged roads or uncollected waste."""

    source: str
    code: str
    name: str
    provenance: Provenance
    description: str | None = None
    group: str | None = None
    keywords: tuple[str, ...] = ()
    attributes: tuple[CategoryAttribute, ...] = ()
    # False when the source says the category asks questions but would not say which:
    # answers are then passed on for the source to judge, not refused here.
    questions_known: bool = True


@dataclass(frozen=True, slots=True)
class ComplaintRecord:
    """A public complaint and what the city has done about it; never who filed it."""

    source: str
    local_id: str
    provenance: Provenance
    category_code: str | None = None
    category_name: str | None = None
    description: str | None = None
    status: ComplaintStatus = "open"
    status_notes: str | None = None
    agency: str | None = None
    requested_at: datetime | None = None
    updated_at: datetime | None = None
    expected_at: datetime | None = None
    address: str | None = None
    district: str | None = None
    location: GeoPoint | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class Contact:
    """Who filed a complaint: kept only until the upstream has it, never shown (not even in
    a repr that might reach a log)."""

    first_name: str | None = field(default=None, repr=False)
    last_name: str | None = field(default=None, repr=False)
    email: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class ComplaintSubmission:
    """A complaint as a citizen filed it, on its way to a complaints source."""

    source: str
    category_code: str
    description: str
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    # Answers to the category's questions; a list for a multiple-choice question.
    attributes: Mapping[str, str | list[str]] = field(default_factory=dict)
    media_url: str | None = None
    contact: Contact = field(default_factory=Contact)

    def fingerprint(self) -> str:
        """The same for the same complaint, to tell a retry from a reused idempotency key;
        contact details are left out, so no trace of them outlives delivery."""
        fields = {k: v for k, v in asdict(self).items() if k != "contact"}
        return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


DeliveryStatus = Literal["QUEUED", "SUBMITTED", "REJECTED"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a complaint filed through the hub stands on its way to its source."""

    tracking_id: str
    status: DeliveryStatus
    source: str
    category_code: str
    created_at: float
    updated_at: float
    upstream_id: str | None = None
    upstream_token: str | None = None
    reason: str | None = None
    attempts: int = 0
    next_attempt_at: float = 0.0


DimensionCode = Literal["governance", "branding", "economy", "living", "society", "environment"]
DIMENSION_CODES: tuple[DimensionCode, ...] = (
    "governance",
    "branding",
    "economy",
    "living",
    "society",
    "environment",
)


@dataclass(frozen=True, slots=True)
class IndicatorPoint:
    """One value of an indicator, for one period."""

    period: str
    value: float


@dataclass(frozen=True, slots=True)
class IndicatorRecord:
    """A measure of progress: a series with its unit and target, or a value computed live."""

    code: str
    name: LocalizedText
    unit: str | None
    provenance: Provenance
    points: tuple[IndicatorPoint, ...] = ()
    target: float | None = None
    higher_is_better: bool = True
    iso_theme: str | None = None
    frequency: str | None = None
    calculation_period: str | None = None
    data_source: str | None = None
    sample: bool = False
    method: LocalizedText | None = None
    inputs: tuple[str, ...] = ()
    breakdown: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ProgramRecord:
    """A smart-city program: what the city does under one of the six dimensions."""

    source: str
    local_id: str
    slug: str
    dimension: str | None
    name: LocalizedText
    provenance: Provenance
    description: LocalizedText | None = None
    agency: str | None = None
    status: str | None = None
    links: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    indicator_resource: str | None = None


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
