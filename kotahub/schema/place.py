"""The ``Place`` interface: anything in the city with a position, a district and opening hours."""

from __future__ import annotations

from typing import ClassVar

import strawberry

from kotahub.records import GeoPoint as GeoPointRecord
from kotahub.records import PlaceRecord
from kotahub.resolvers.city_items import ItemKey, Kind
from kotahub.resolvers.opening_hours import open_now
from kotahub.schema.common import DOUBT, GeoPoint, LocationDoubt, SourceMeta, doubt_of
from kotahub.schema.context import Info
from kotahub.schema.nearby import nearby_field
from kotahub.schema.node import Node


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

    @strawberry.field(description=DOUBT)
    def location_doubt(self, info: Info) -> LocationDoubt | None:
        return doubt_of(info.context.scope.complaint_rules.bounds, self.record.location)

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

    nearby = nearby_field()

    def nearby_origin(self) -> tuple[ItemKey, GeoPointRecord | None]:
        return (self.kind, self.record.source, self.record.local_id), self.record.location
