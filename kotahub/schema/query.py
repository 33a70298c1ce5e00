"""The root Query: one field per way in, each delegating to its domain module."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from kotahub.schema import cache_admin, complaint_submission, emergency, health, tourism
from kotahub.schema import complaints as complaint_types
from kotahub.schema import dimensions as dimension_types
from kotahub.schema import districts as district_types
from kotahub.schema import search as search_types
from kotahub.schema import sources as source_types
from kotahub.schema.bounds import GlobalIdArgument
from kotahub.schema.context import Info
from kotahub.schema.node import GlobalId, Node
from kotahub.schema.paging import Connection

NODE_RESOLVERS: dict[str, Callable[[Info, GlobalId], Awaitable[Node | None]]] = {
    tourism.TYPE_NAME: tourism.spot_by_global_id,
    health.TYPE_NAME: health.facility_by_global_id,
    complaint_types.TYPE_NAME: complaint_types.complaint_by_global_id,
    complaint_types.CATEGORY: complaint_types.category_by_global_id,
    dimension_types.DIMENSION: dimension_types.dimension_by_global_id,
    dimension_types.PROGRAM: dimension_types.program_by_global_id,
    dimension_types.INDICATOR: dimension_types.indicator_by_global_id,
    district_types.TYPE_NAME: district_types.district_by_global_id,
}


async def resolve_node(info: Info, id: GlobalIdArgument) -> Node | None:
    gid = GlobalId.decode(id)
    resolver = NODE_RESOLVERS.get(gid.type_name)
    return await resolver(info, gid) if resolver else None


@strawberry.type(
    description="Balikpapan's city data: tourism, health care, complaints, the six smart-city "
    "dimensions and the districts, searchable as one."
)
class Query:
    search: Connection[search_types.SearchResult] = strawberry.field(
        resolver=search_types.resolve_search,
        description="Everything that matches the words, of every kind, best first; typos, "
        "abbreviations (RS, pkm) and either language are understood.",
    )
    tourist_spots: Connection[tourism.TouristSpot] = strawberry.field(
        resolver=tourism.resolve_tourist_spots,
        description="Tourist spots from every tourism source, filtered, near a point, paged.",
    )
    tourist_spot: tourism.TouristSpot | None = strawberry.field(
        resolver=tourism.resolve_tourist_spot, description="One tourist spot by its global id."
    )
    health_facilities: Connection[health.HealthFacility] = strawberry.field(
        resolver=health.resolve_health_facilities,
        description="Hospitals, puskesmas, clinics, pharmacies and labs: filtered, near, paged.",
    )
    health_facility: health.HealthFacility | None = strawberry.field(
        resolver=health.resolve_health_facility, description="One facility by its global id."
    )
    emergency_contacts: list[emergency.EmergencyContact] = strawberry.field(
        resolver=emergency.resolve_emergency_contacts,
        description="The numbers to call in an emergency, 112 first.",
    )
    complaint_categories: list[complaint_types.ComplaintCategory] = strawberry.field(
        resolver=complaint_types.resolve_categories,
        description="The kinds of complaint the city takes, with the questions each asks.",
    )
    complaints: Connection[complaint_types.Complaint] = strawberry.field(
        resolver=complaint_types.resolve_complaints,
        description="Public complaints, newest first: status, agency, notes and deadlines.",
    )
    complaint: complaint_types.Complaint | None = strawberry.field(
        resolver=complaint_types.resolve_complaint,
        description="One complaint by its tracking id (KH-… from submitComplaint) or source id.",
    )
    dimensions: list[dimension_types.Dimension] = strawberry.field(
        resolver=dimension_types.resolve_dimensions,
        metadata={"list_size": 6},  # what the query cost estimate assumes
        description="The six smart-city dimensions with their programs and indicators.",
    )
    dimension: dimension_types.Dimension | None = strawberry.field(
        resolver=dimension_types.resolve_dimension, description="One dimension by its code."
    )
    districts: list[district_types.District] = strawberry.field(
        resolver=district_types.resolve_districts,
        metadata={"list_size": 6},
        description="The six kecamatan, each with its places and complaints.",
    )
    district: district_types.District | None = strawberry.field(
        resolver=district_types.resolve_district,
        description="One kecamatan by name, such as 'Balikpapan Selatan' or 'selatan'; an "
        "unknown name is an error that lists the six.",
    )
    node: Node | None = strawberry.field(
        resolver=resolve_node, description="Any object by its global id."
    )
    sources: list[source_types.SourceStatus] = strawberry.field(
        resolver=source_types.resolve_sources,
        description="Each configured source: whether this replica calls it now (its circuit "
        "breaker) and when it last answered; the failure details need the admin scope.",
    )


@strawberry.type(description="Changes: filing a complaint; dropping a source's cached data.")
class Mutation:
    submit_complaint: complaint_submission.SubmitComplaintPayload = strawberry.field(
        resolver=complaint_submission.resolve_submit,
        description="File a complaint; it is queued durably before this answers, then delivered.",
    )
    invalidate_cache: cache_admin.InvalidateCachePayload = strawberry.field(
        resolver=cache_admin.resolve_invalidate_cache,
        description="Drop every cached answer of a source, and every cached whole response, in "
        "every replica. Needs an API key with the admin scope ('X-API-Key: …').",
    )
