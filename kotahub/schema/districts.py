"""The six kecamatan in GraphQL: each with its places, its complaints and how they stand."""

from __future__ import annotations

import strawberry

from kotahub.records import CITY_SOURCE
from kotahub.resolvers import districts
from kotahub.resolvers.smart_city import KECAMATAN
from kotahub.schema import complaints, health, tourism
from kotahub.schema.bounds import Code, Cursor, MaybeCode
from kotahub.schema.context import Info
from kotahub.schema.node import GlobalId, Node
from kotahub.schema.paging import Connection

TYPE_NAME = "District"


@strawberry.type(description="How many complaints of one category a district has.")
class CategoryCount:
    code: str | None
    name: str | None
    total: int
    open: int


@strawberry.type(description="How a district's complaints stand, over what the sources list.")
class ComplaintStats:
    total: int
    open: int
    closed: int
    overdue: int = strawberry.field(description="Still open past their deadline.")
    closed_on_time: int = strawberry.field(description="Closed by their deadline.")
    on_time_rate: float | None = strawberry.field(
        description="Of the closed complaints with a deadline, the share closed by it (0 to 1)."
    )
    median_days_to_close: float | None
    by_category: list[CategoryCount] = strawberry.field(description="Most complaints first.")

    @classmethod
    def of(cls, stats: districts.ComplaintStats) -> ComplaintStats:
        counts = [
            CategoryCount(code=c.code, name=c.name, total=c.total, open=c.open)
            for c in stats.by_category
        ]
        return cls(
            total=stats.total,
            open=stats.open,
            closed=stats.closed,
            overdue=stats.overdue,
            closed_on_time=stats.closed_on_time,
            on_time_rate=stats.on_time_rate,
            median_days_to_close=stats.median_days_to_close,
            by_category=counts,
        )


@strawberry.type(description="A kecamatan (district) of the city, with what lies in it.")
class District(Node):
    name: str

    @classmethod
    def of(cls, name: str) -> District:
        return cls(id=GlobalId(TYPE_NAME, CITY_SOURCE, name).encode(), name=name)

    @classmethod
    async def resolve_reference(
        cls, info: Info, name: str | None = None, id: strawberry.ID | None = None
    ) -> District | None:
        """The district a supergraph names by its name or its id."""
        if name is not None:
            return resolve_district(name)
        return await district_by_global_id(info, GlobalId.of_type(id or "", TYPE_NAME))

    @strawberry.field(description="Its tourist spots, by name; one load serves every district.")
    async def tourist_spots(
        self,
        info: Info,
        category: MaybeCode = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[tourism.TouristSpot]:
        wanted = tourism.TouristSpotFilter(category=category, district=self.name)
        return await tourism.resolve_tourist_spots(info, wanted, None, first, after)

    @strawberry.field(description="Its health facilities, by name.")
    async def health_facilities(
        self,
        info: Info,
        type: health.FacilityType | None = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[health.HealthFacility]:
        wanted = health.HealthFacilityFilter(type=type, district=self.name)
        return await health.resolve_health_facilities(info, wanted, None, first, after)

    @strawberry.field(description="Its public complaints, newest first.")
    async def complaints(
        self,
        info: Info,
        status: complaints.ComplaintStatus | None = None,
        first: int | None = None,
        after: Cursor = None,
    ) -> Connection[complaints.Complaint]:
        wanted = complaints.ComplaintFilter(status=status, district=self.name)
        return await complaints.resolve_complaints(info, wanted, first, after)

    @strawberry.field(description="Its complaints counted (Open311 sources: their latest 90 days).")
    async def complaint_stats(self, info: Info) -> ComplaintStats:
        found = await districts.complaint_stats(info.context.scope, self.name)
        info.context.report(found.failures, info)
        return ComplaintStats.of(found.value)


def resolve_districts() -> list[District]:
    return [District.of(name) for name in KECAMATAN]


def resolve_district(name: Code) -> District | None:
    return District.of(districts.district_named(name))


async def district_by_global_id(info: Info, gid: GlobalId) -> District | None:
    known = gid.source == CITY_SOURCE and gid.local_id in KECAMATAN
    return District.of(gid.local_id) if known else None
