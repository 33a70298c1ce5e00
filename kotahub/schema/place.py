"""The ``Place`` interface: anything in the city with a position, a district and opening hours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry

from kotahub.records import PlaceRecord
from kotahub.resolvers.city_items import Kind
from kotahub.resolvers.opening_hours import open_now
from kotahub.schema.common import GeoPoint, SourceMeta
from kotahub.schema.context import Info
from kotahub.schema.kinds import PlaceKind
from kotahub.schema.node import Node

if TYPE_CHECKING:
    from kotahub.schema.nearby import NearbyPlace

NEARBY_DESCRIPTION = (
    "Places of the kinds asked for (all, if none) within radiusKm, nearest first, itself "
    "left out; every place of a list shares one search."
)


@strawberry.interface(description="Somewhere in the city: a tourist spot, a health facility, …")
class Place(Node):
    record: strawberry.Private[PlaceRecord]
    kind: ClassVar[Kind]
    distance_km: float | None = strawberry.field(
        default=None, description="Distance from the point asked for, in kilometres."
    )

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field(description="The kecamatan (district) it lies in.")
    def district(self) -> str | None:
        return self.record.district

    @strawberry.field
    def address(self) -> str | None:
        return self.record.address

    @strawberry.field
    def location(self) -> GeoPoint | None:
        return GeoPoint.of(self.record.location)

    @strawberry.field(description="True when the source marks the coordinates as an estimate.")
    def location_estimated(self) -> bool:
        return self.record.location_estimated

    @strawberry.field(
        description="Opening hours as written, in OpenStreetMap opening_hours syntax."
    )
    def opening_hours(self) -> str | None:
        return self.record.opening_hours

    @strawberry.field(description="Open at this moment in the city's time (WITA); null if unknown.")
    def is_open_now(self, info: Info) -> bool | None:
        return open_now(info.context.scope, self.record.opening_hours)

    @strawberry.field(description="Where the data came from and how fresh it is.")
    def meta(self) -> SourceMeta:
        return SourceMeta.of(self.record.provenance)

    @strawberry.field(description=NEARBY_DESCRIPTION)
    async def nearby(
        self,
        info: Info,
        kinds: list[PlaceKind] | None = None,
        radius_km: float = 1.0,
        first: int = 10,
    ) -> list[Annotated[NearbyPlace, strawberry.lazy("kotahub.schema.nearby")]]:
        # Imported here: the nearby module builds every kind of place, this one among them.
        from kotahub.schema.nearby import resolve_nearby

        origin = (self.kind, self.record.source, self.record.local_id)
        return await resolve_nearby(info, origin, self.record.location, kinds, radius_km, first)
