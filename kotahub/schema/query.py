"""The root Query: one field per way in, each delegating to its domain module."""

from __future__ import annotations

import strawberry

from kotahub.schema import tourism
from kotahub.schema.context import Info
from kotahub.schema.node import GlobalId, Node


async def resolve_node(info: Info, id: strawberry.ID) -> Node | None:
    gid = GlobalId.decode(id)
    return await tourism.spot_by_global_id(info, gid)


@strawberry.type(description="Balikpapan's city data: tourism first, more domains to come.")
class Query:
    tourist_spots: tourism.TouristSpotConnection = strawberry.field(
        resolver=tourism.resolve_tourist_spots,
        description="Tourist spots from every tourism source, filtered, near a point, paged.",
    )
    tourist_spot: tourism.TouristSpot | None = strawberry.field(
        resolver=tourism.resolve_tourist_spot, description="One tourist spot by its global id."
    )
    node: Node | None = strawberry.field(
        resolver=resolve_node, description="Any object by its global id."
    )
