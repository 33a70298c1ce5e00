"""``nearby`` on every place: what lies around it, of the kinds asked for, nearest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import strawberry

from kotahub.records import GeoPoint, Near
from kotahub.resolvers.city_items import CityItem, ItemKey
from kotahub.resolvers.geo import radius
from kotahub.resolvers.nearby import NearbyHit, nearby
from kotahub.resolvers.paging import page_request
from kotahub.schema.city_item import graphql_place, title_of
from kotahub.schema.common import Lang, lang_code
from kotahub.schema.complaints import Complaint
from kotahub.schema.context import Info
from kotahub.schema.health import HealthFacility
from kotahub.schema.kinds import PlaceKind, kinds_asked
from kotahub.schema.tourism import TouristSpot

NearbyItem = Annotated[
    TouristSpot | HealthFacility | Complaint,
    strawberry.union("NearbyItem", description="A place of any kind: spot, facility, complaint."),
]


@strawberry.type(description="A place near another, and how far away it is.")
class NearbyPlace:
    found: strawberry.Private[CityItem]
    id: strawberry.ID = strawberry.field(description="The place's global id.")
    kind: PlaceKind
    distance_km: float = strawberry.field(description="Straight-line distance in kilometres.")
    item: NearbyItem

    @strawberry.field(description="What a list shows: a name, or a complaint's category.")
    def title(self, info: Info, lang: Lang | None = None) -> str:
        return title_of(self.found, lang_code(lang, info.context.scope.lang))


async def resolve_nearby(
    info: Info,
    origin: ItemKey,
    location: GeoPoint | None,
    kinds: Sequence[PlaceKind] | None,
    radius_km: float,
    first: int,
) -> list[NearbyPlace]:
    """The places around ``location``; every place of a request shares one load and index."""
    scope = info.context.scope
    count = page_request(first, None, scope.page_limits.default, scope.page_limits.maximum).first
    within = radius(radius_km, "radiusKm")
    if location is None:
        return []
    found = await nearby(scope, origin, Near(location, within), kinds_asked(kinds), count)
    info.context.report(found.failures, info)
    return [_nearby_place(hit) for hit in found.value]


def _nearby_place(hit: NearbyHit) -> NearbyPlace:
    item = graphql_place(hit.item, hit.distance_km)
    return NearbyPlace(
        found=hit.item,
        id=item.id,
        kind=PlaceKind(hit.item.kind),
        distance_km=hit.distance_km,
        item=item,
    )
