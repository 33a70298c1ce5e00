"""Unified search in GraphQL: one text over every domain, results of mixed kinds."""

from __future__ import annotations

from typing import Annotated

import strawberry

from kotahub.resolvers.city_items import CityItem
from kotahub.resolvers.geo import near as checked_near
from kotahub.resolvers.paging import page_request
from kotahub.resolvers.search import SearchHit, search
from kotahub.schema.bounds import Cursor
from kotahub.schema.city_item import graphql_item
from kotahub.schema.common import Lang, NearInput, lang_code
from kotahub.schema.complaints import Complaint
from kotahub.schema.context import Info
from kotahub.schema.dimensions import Indicator, Program
from kotahub.schema.health import HealthFacility
from kotahub.schema.kinds import SearchKind, kinds_asked
from kotahub.schema.paging import Connection, connection
from kotahub.schema.tourism import TouristSpot

SearchItem = Annotated[
    TouristSpot | HealthFacility | Complaint | Program | Indicator,
    strawberry.union("SearchItem", description="Anything a search finds."),
]


@strawberry.type(description="One search result: what it is, how well it matches, and the record.")
class SearchResult:
    found: strawberry.Private[CityItem]
    id: strawberry.ID = strawberry.field(description="The item's global id.")
    kind: SearchKind
    score: float = strawberry.field(
        description="Relevance, higher is better; comparable within one search only."
    )
    distance_km: float | None = strawberry.field(
        description="Distance from the point searched near, for places; else null."
    )
    item: SearchItem

    @strawberry.field(description="What a result list shows: a name, or a complaint's category.")
    def title(self, info: Info, lang: Lang | None = None) -> str:
        return self.found.title_in(lang_code(lang, info.context.scope.lang))


async def resolve_search(
    info: Info,
    text: str,
    near: NearInput | None = None,
    kinds: list[SearchKind] | None = None,
    first: int | None = None,
    after: Cursor = None,
) -> Connection[SearchResult]:
    scope = info.context.scope
    request = page_request(first, after, scope.page_limits.default, scope.page_limits.maximum)
    where = checked_near(near.lat, near.lon, near.radius_km) if near else None
    found = await search(scope, text, where, kinds_asked(kinds), request)
    info.context.report(found.failures, info)
    return connection(found.value, _result)


def _result(hit: SearchHit) -> SearchResult:
    item = graphql_item(hit.item, hit.distance_km)
    return SearchResult(
        found=hit.item,
        id=item.id,
        kind=SearchKind(hit.item.kind),
        score=hit.score,
        distance_km=hit.distance_km,
        item=item,
    )
