"""``nearby`` on every place: what lies around it, of the kinds asked for, nearest first."""

from __future__ import annotations

from typing import Annotated, Any, ForwardRef, Protocol

import strawberry

from kotahub.records import GeoPoint, Near
from kotahub.resolvers.city_items import CityItem, ItemKey
from kotahub.resolvers.geo import radius
from kotahub.resolvers.nearby import NearbyHit, nearby
from kotahub.resolvers.paging import page_request
from kotahub.schema.common import Lang, lang_code
from kotahub.schema.context import Info
from kotahub.schema.kinds import PlaceKind, kinds_asked
from kotahub.schema.place_types import graphql_place

DESCRIPTION = (
    "Places of the kinds asked for (all, if none) within radiusKm, nearest first, itself "
    "left out; every place of a list shares one search."
)


class HasNeighbours(Protocol):
    def nearby_origin(self) -> tuple[ItemKey, GeoPoint | None]:
        """The item itself (left out of its neighbours) and where it is, if known."""
        ...


@strawberry.type(description="A place near another, and how far away it is.")
class NearbyPlace:
    found: strawberry.Private[CityItem]
    id: strawberry.ID = strawberry.field(description="The place's global id.")
    kind: PlaceKind
    distance_km: float = strawberry.field(description="Straight-line distance in kilometres.")
    # Any place can be near another: its type is named lazily, as each place has ``nearby``.
    item: object = strawberry.field(
        graphql_type=Annotated[
            ForwardRef("NearbyItem"), strawberry.lazy("kotahub.schema.city_item")
        ]
    )

    @strawberry.field(description="What a list shows: a name, or a complaint's category.")
    def title(self, info: Info, lang: Lang | None = None) -> str:
        return self.found.title_in(lang_code(lang, info.context.scope.lang))


async def resolve_nearby(
    root: HasNeighbours,
    info: Info,
    kinds: list[PlaceKind] | None = None,
    radius_km: float = 1.0,
    first: int = 10,
) -> list[NearbyPlace]:
    """The places around ``root``; every place of a request shares one load and index."""
    scope = info.context.scope
    count = page_request(first, None, scope.page_limits.default, scope.page_limits.maximum).first
    within = radius(radius_km, "radiusKm")
    origin, location = root.nearby_origin()
    if location is None:
        return []
    found = await nearby(scope, origin, Near(location, within), kinds_asked(kinds), count)
    info.context.report(found.failures, info)
    return [_nearby_place(hit) for hit in found.value]


def nearby_field() -> Any:
    """The ``nearby`` field, the same on every type that has neighbours."""
    return strawberry.field(resolver=resolve_nearby, description=DESCRIPTION)


def _nearby_place(hit: NearbyHit) -> NearbyPlace:
    item = graphql_place(hit.item, hit.distance_km)
    return NearbyPlace(
        found=hit.item,
        id=item.id,
        kind=PlaceKind(hit.item.kind),
        distance_km=hit.distance_km,
        item=item,
    )
