"""Tourism in GraphQL: tourist spots, their filter, and their paged connection."""

from __future__ import annotations

import strawberry

from kotahub.records import FacilityType as FacilityKind
from kotahub.records import GeoPoint, TouristSpotRecord
from kotahub.records import TicketPrice as TicketPriceRecord
from kotahub.resolvers import tourism
from kotahub.resolvers.geo import near as checked_near
from kotahub.resolvers.geo import radius
from kotahub.resolvers.health import load_facilities, nearby_facilities, nearby_facilities_loaded
from kotahub.resolvers.paging import page_request
from kotahub.schema.bounds import CODE, WORDS, Cursor, GlobalIdArgument
from kotahub.schema.common import Lang, NearInput, maybe_in_lang
from kotahub.schema.context import Info
from kotahub.schema.health import FacilityType, HealthFacility, facility_kind
from kotahub.schema.lookahead import asks_for, later
from kotahub.schema.node import GlobalId
from kotahub.schema.paging import Connection, connection
from kotahub.schema.place import Place
from kotahub.schema.place_types import shown_as
from kotahub.schema.string_bounds import at_most

TYPE_NAME = "TouristSpot"


@strawberry.type(description="Entrance prices; whole units of the currency (rupiah by default).")
class TicketPrice:
    adult: int | None = strawberry.field(description="Price for an adult; 0 when entry is free.")
    child: int | None = strawberry.field(description="Price for a child, where it differs.")
    currency: str = strawberry.field(description="ISO 4217 code, IDR unless the source says.")

    @classmethod
    def of(cls, price: TicketPriceRecord | None) -> TicketPrice | None:
        if price is None:
            return None
        return cls(adult=price.adult, child=price.child, currency=price.currency)


@strawberry.type(description="A place to visit: beach, park, wildlife centre, landmark and more.")
class TouristSpot(Place):
    record: strawberry.Private[TouristSpotRecord]
    kind = "tourist_spot"

    @classmethod
    def of(cls, record: TouristSpotRecord, distance_km: float | None = None) -> TouristSpot:
        gid = GlobalId(TYPE_NAME, record.source, record.local_id)
        return cls(id=gid.encode(), record=record, distance_km=distance_km)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> TouristSpot | None:
        """The spot a supergraph names by its key (federation's ``_entities``)."""
        return await spot_by_global_id(info, GlobalId.of_type(id, TYPE_NAME))

    @strawberry.field(description="Main category, such as beach, nature or wildlife.")
    def category(self) -> str | None:
        return self.record.categories[0] if self.record.categories else None

    @strawberry.field(description="Every category the source gives.")
    def categories(self) -> list[str]:
        return list(self.record.categories)

    @strawberry.field(description="In Indonesian unless lang or Accept-Language asks for English.")
    def description(self, info: Info, lang: Lang | None = None) -> str | None:
        text = self.record.description
        return maybe_in_lang(text, lang, info.context.scope.lang)

    @strawberry.field
    def ticket_price(self) -> TicketPrice | None:
        return TicketPrice.of(self.record.ticket_price)

    @strawberry.field(description="Where to buy tickets online, when the spot sells them.")
    def e_ticket_url(self) -> str | None:
        return self.record.e_ticket_url

    @strawberry.field(description="Photo URLs.")
    def photos(self) -> list[str]:
        return list(self.record.photos)

    @strawberry.field(
        description="The nearest health facilities, nearest first; one search serves a whole list."
    )
    def nearby_health_facilities(
        self,
        info: Info,
        radius_km: float = 5.0,
        type: FacilityType | None = None,
        first: int = 5,
    ) -> list[HealthFacility]:
        location = self.record.location
        scope = info.context.scope
        request = page_request(first, None, scope.page_limits.default, scope.page_limits.maximum)
        within = radius(radius_km, "radiusKm")
        if location is None:
            return []
        kind = facility_kind(type)
        found = nearby_facilities_loaded(scope, location, within, kind, request.first)
        if found is None:
            return later(self._nearby(info, location, within, kind, request.first))
        return [HealthFacility.of(hit.record, hit.distance_km) for hit in found.value]

    async def _nearby(
        self, info: Info, location: GeoPoint, within: float, kind: FacilityKind | None, first: int
    ) -> list[HealthFacility]:
        found = await nearby_facilities(info.context.scope, location, within, kind, first)
        info.context.report(found.failures, info)
        return [HealthFacility.of(hit.record, hit.distance_km) for hit in found.value]


@strawberry.input(description="Narrow tourist spots; every field given must match.")
class TouristSpotFilter:
    category: str | None = strawberry.field(
        default=None, description="For example beach.", metadata=at_most(CODE)
    )
    district: str | None = strawberry.field(
        default=None, description="Kecamatan name.", metadata=at_most(CODE)
    )
    text: str | None = strawberry.field(
        default=None,
        description="Words found in the name, description, address or category.",
        metadata=at_most(WORDS),
    )
    open_now: bool | None = strawberry.field(
        default=None, description="Open at this moment (false: known to be closed now)."
    )


async def resolve_tourist_spots(
    info: Info,
    filter: TouristSpotFilter | None = None,
    near: NearInput | None = None,
    first: int | None = None,
    after: Cursor = None,
) -> Connection[TouristSpot]:
    scope = info.context.scope
    request = page_request(first, after, scope.page_limits.default, scope.page_limits.maximum)
    where = checked_near(near.lat, near.lon, near.radius_km) if near else None
    given = filter or TouristSpotFilter()
    spot_filter = tourism.SpotFilter(given.category, given.district, given.text, given.open_now)
    found = await tourism.find_spots(scope, spot_filter, where, request)
    info.context.report(found.failures, info)
    if found.value.items and asks_for(info, "edges", "node", "nearbyHealthFacilities"):
        await load_facilities(scope)  # one load for every spot, read by each without waiting
    return connection(found.value, lambda hit: TouristSpot.of(hit.record, hit.distance_km))


async def resolve_tourist_spot(info: Info, id: GlobalIdArgument) -> TouristSpot | None:
    return await spot_by_global_id(info, GlobalId.decode(id))


async def spot_by_global_id(info: Info, gid: GlobalId) -> TouristSpot | None:
    if gid.type_name != TYPE_NAME:
        return None
    record = await tourism.spot(info.context.scope, gid.source, gid.local_id)
    return TouristSpot.of(record) if record else None


shown_as(TouristSpotRecord, TouristSpot.of)
