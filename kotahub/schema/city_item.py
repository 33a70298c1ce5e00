"""Any record of the city as its GraphQL type, for lists that mix the domains."""

from __future__ import annotations

from typing import Annotated, cast

import strawberry

from kotahub.records import IndicatorRecord, ProgramRecord
from kotahub.resolvers.city_items import CityItem
from kotahub.schema.complaints import Complaint
from kotahub.schema.dimensions import Indicator, Program
from kotahub.schema.health import HealthFacility
from kotahub.schema.place_types import graphql_place
from kotahub.schema.tourism import TouristSpot

PlaceItem = TouristSpot | HealthFacility | Complaint
AnyItem = PlaceItem | Program | Indicator
NearbyItem = Annotated[
    PlaceItem,
    strawberry.union("NearbyItem", description="A place of any kind: spot, facility, complaint."),
]


def graphql_item(item: CityItem, distance_km: float | None = None) -> AnyItem:
    record = item.record
    if isinstance(record, ProgramRecord):
        return Program.of(record)
    if isinstance(record, IndicatorRecord) and item.program is not None:
        return Indicator.of(record, item.program)
    return cast(PlaceItem, graphql_place(item, distance_km))
