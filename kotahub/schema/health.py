"""Health care in GraphQL: facilities, their services, filters and the nearest care."""

from __future__ import annotations

from enum import Enum

import strawberry

from kotahub import records
from kotahub.records import HealthFacilityRecord, HealthServiceRecord
from kotahub.resolvers import health
from kotahub.resolvers.geo import near as checked_near
from kotahub.resolvers.opening_hours import open_now
from kotahub.resolvers.paging import page_request
from kotahub.schema.bounds import CODE, WORDS, Cursor, GlobalIdArgument
from kotahub.schema.common import NearInput
from kotahub.schema.context import Info
from kotahub.schema.node import GlobalId
from kotahub.schema.paging import Connection, connection
from kotahub.schema.place import Place
from kotahub.schema.place_types import shown_as
from kotahub.schema.string_bounds import at_most

TYPE_NAME = "HealthFacility"


@strawberry.enum(description="What kind of place gives the care.")
class FacilityType(Enum):
    HOSPITAL = "hospital"
    PUSKESMAS = "puskesmas"
    CLINIC = "clinic"
    PHARMACY = "pharmacy"
    LABORATORY = "laboratory"
    OTHER = "other"


_KINDS: dict[FacilityType, records.FacilityType] = {
    FacilityType.HOSPITAL: "hospital",
    FacilityType.PUSKESMAS: "puskesmas",
    FacilityType.CLINIC: "clinic",
    FacilityType.PHARMACY: "pharmacy",
    FacilityType.LABORATORY: "laboratory",
    FacilityType.OTHER: "other",
}


def facility_kind(given: FacilityType | None) -> records.FacilityType | None:
    """The resolvers' name for a facility type asked for in GraphQL."""
    return _KINDS[given] if given else None


@strawberry.type(description="A service a facility offers, such as its emergency department.")
class HealthService:
    record: strawberry.Private[HealthServiceRecord]

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="Service categories, as the source names them.")
    def categories(self) -> list[str]:
        return list(self.record.categories)

    @strawberry.field(description="Service types, as the source names them.")
    def types(self) -> list[str]:
        return list(self.record.types)

    @strawberry.field(description="True for emergency care (IGD / UGD).")
    def emergency(self) -> bool:
        return self.record.emergency

    @strawberry.field(description="When the service is available, in opening_hours syntax.")
    def opening_hours(self) -> str | None:
        return self.record.opening_hours

    @strawberry.field(description="Available at this moment in the city's time; null if unknown.")
    def is_open_now(self, info: Info) -> bool | None:
        return open_now(info.context.scope, self.record.opening_hours)

    @strawberry.field
    def phone(self) -> str | None:
        return self.record.phone


@strawberry.type(description="A hospital, puskesmas, clinic, pharmacy or laboratory.")
class HealthFacility(Place):
    record: strawberry.Private[HealthFacilityRecord]
    kind = "health_facility"

    @classmethod
    def of(cls, record: HealthFacilityRecord, distance_km: float | None = None) -> HealthFacility:
        gid = GlobalId(TYPE_NAME, record.source, record.local_id)
        return cls(id=gid.encode(), record=record, distance_km=distance_km)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> HealthFacility | None:
        """The facility a supergraph names by its key (federation's ``_entities``)."""
        return await facility_by_global_id(info, GlobalId.of_type(id, TYPE_NAME))

    @strawberry.field(name="type")
    def facility_type(self) -> FacilityType:
        return FacilityType(self.record.facility_type)

    @strawberry.field
    def phone(self) -> str | None:
        return self.record.phone

    @strawberry.field(description="True when it gives emergency care (IGD / UGD).")
    def emergency(self) -> bool:
        return self.record.emergency

    @strawberry.field
    def services(self) -> list[HealthService]:
        return [HealthService(record=service) for service in self.record.services]

    @strawberry.field(description="The organization that runs it.")
    def organization(self) -> str | None:
        return self.record.organization


@strawberry.input(description="Narrow health facilities; every field given must match.")
class HealthFacilityFilter:
    type: FacilityType | None = None
    district: str | None = strawberry.field(
        default=None, description="Kecamatan name.", metadata=at_most(CODE)
    )
    service: str | None = strawberry.field(
        default=None,
        description="Words in a service's name or type, e.g. 'gigi' or 'lab'.",
        metadata=at_most(WORDS),
    )
    open_now: bool | None = strawberry.field(default=None, description="Open at this moment.")
    emergency: bool | None = strawberry.field(default=None, description="Gives emergency care.")
    text: str | None = strawberry.field(
        default=None,
        description="Words in the name, address, organization or services.",
        metadata=at_most(WORDS),
    )


async def resolve_health_facilities(
    info: Info,
    filter: HealthFacilityFilter | None = None,
    near: NearInput | None = None,
    first: int | None = None,
    after: Cursor = None,
) -> Connection[HealthFacility]:
    scope = info.context.scope
    request = page_request(first, after, scope.page_limits.default, scope.page_limits.maximum)
    where = checked_near(near.lat, near.lon, near.radius_km) if near else None
    found = await health.find_facilities(scope, _facility_filter(filter), where, request)
    info.context.report(found.failures, info)
    return connection(found.value, lambda hit: HealthFacility.of(hit.record, hit.distance_km))


async def resolve_health_facility(info: Info, id: GlobalIdArgument) -> HealthFacility | None:
    return await facility_by_global_id(info, GlobalId.decode(id))


async def facility_by_global_id(info: Info, gid: GlobalId) -> HealthFacility | None:
    if gid.type_name != TYPE_NAME:
        return None
    record = await health.facility(info.context.scope, gid.source, gid.local_id)
    return HealthFacility.of(record) if record else None


def _facility_filter(given: HealthFacilityFilter | None) -> health.FacilityFilter:
    if given is None:
        return health.FacilityFilter()
    return health.FacilityFilter(
        facility_type=facility_kind(given.type),
        district=given.district,
        service=given.service,
        open_now=given.open_now,
        emergency=given.emergency,
        text=given.text,
    )


shown_as(HealthFacilityRecord, HealthFacility.of)
