"""Any record of the city as its GraphQL type, for lists that mix the domains."""

from __future__ import annotations

from kotahub.records import (
    ComplaintRecord,
    HealthFacilityRecord,
    IndicatorRecord,
    Lang,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.resolvers.city_items import CityItem
from kotahub.schema.complaints import Complaint
from kotahub.schema.dimensions import Indicator, Program
from kotahub.schema.health import HealthFacility
from kotahub.schema.tourism import TouristSpot

PlaceItem = TouristSpot | HealthFacility | Complaint
AnyItem = PlaceItem | Program | Indicator


def graphql_item(item: CityItem, distance_km: float | None = None) -> AnyItem:
    record = item.record
    if isinstance(record, ProgramRecord):
        return Program.of(record)
    if isinstance(record, IndicatorRecord) and item.program is not None:
        return Indicator.of(record, item.program)
    return graphql_place(item, distance_km)


def title_of(item: CityItem, lang: Lang) -> str:
    """What a list shows for the item: its name, or for a complaint its category and id."""
    record = item.record
    if isinstance(record, ProgramRecord | IndicatorRecord):
        return record.name.pick(lang)
    if isinstance(record, ComplaintRecord):
        return f"{record.category_name or record.category_code or 'Complaint'} {record.local_id}"
    return item.title


def graphql_place(item: CityItem, distance_km: float | None = None) -> PlaceItem:
    record = item.record
    if isinstance(record, TouristSpotRecord):
        return TouristSpot.of(record, distance_km)
    if isinstance(record, HealthFacilityRecord):
        return HealthFacility.of(record, distance_km)
    if isinstance(record, ComplaintRecord):
        return Complaint.of(record)
    raise TypeError(f"a {item.kind} is not a place")  # a bug in the caller, not bad input
