"""Citizen complaints in GraphQL: categories, public complaints, and tracking one by its id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum

import strawberry

from kotahub.records import (
    HUB_SOURCE,
    ComplaintCategoryRecord,
    ComplaintRecord,
    Delivery,
    Provenance,
)
from kotahub.records import GeoPoint as GeoPointRecord
from kotahub.resolvers import complaints
from kotahub.resolvers.city_items import ItemKey
from kotahub.resolvers.paging import page_request
from kotahub.schema.bounds import CODE, WORDS, Code, Cursor
from kotahub.schema.common import DOUBT, GeoPoint, LocationDoubt, SourceMeta, doubt_of
from kotahub.schema.context import Info
from kotahub.schema.nearby import nearby_field
from kotahub.schema.node import GlobalId, Node
from kotahub.schema.paging import Connection, connection
from kotahub.schema.place_types import shown_as
from kotahub.schema.string_bounds import at_most

TYPE_NAME = "Complaint"
CATEGORY = "ComplaintCategory"


@strawberry.enum(description="Whether the city still works on a complaint.")
class ComplaintStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum(description="Where a complaint filed through this hub stands on its way.")
class DeliveryStatus(Enum):
    QUEUED = "QUEUED"
    SUBMITTED = "SUBMITTED"
    REJECTED = "REJECTED"


@strawberry.type(description="One allowed answer to a category's question.")
class AnswerChoice:
    key: str
    name: str


@strawberry.type(description="An extra question a category asks, such as how deep the water is.")
class CategoryQuestion:
    code: str
    datatype: str = strawberry.field(
        description="string, number, datetime, text, singlevaluelist or multivaluelist."
    )
    required: bool
    description: str
    choices: list[AnswerChoice]


@strawberry.type(description="A kind of complaint the city takes.")
class ComplaintCategory(Node):
    record: strawberry.Private[ComplaintCategoryRecord]

    @classmethod
    def of(cls, record: ComplaintCategoryRecord) -> ComplaintCategory:
        return cls(id=GlobalId(CATEGORY, record.source, record.code).encode(), record=record)

    @classmethod
    async def resolve_reference(
        cls,
        info: Info,
        id: strawberry.ID | None = None,
        source: str | None = None,
        code: str | None = None,
    ) -> ComplaintCategory | None:
        """The category a supergraph names by its id, or by its source and code."""
        if id is not None:
            return await category_by_global_id(info, GlobalId.of_type(id, CATEGORY))
        gid = GlobalId(CATEGORY, source or "", code or "")
        return await category_by_global_id(info, gid)

    @strawberry.field
    def code(self) -> str:
        return self.record.code

    @strawberry.field
    def name(self) -> str:
        return self.record.name

    @strawberry.field
    def description(self) -> str | None:
        return self.record.description

    @strawberry.field
    def group(self) -> str | None:
        return self.record.group

    @strawberry.field
    def keywords(self) -> list[str]:
        return list(self.record.keywords)

    @strawberry.field(description="The questions a complaint of this kind answers.")
    def questions(self) -> list[CategoryQuestion]:
        asked = sorted((a for a in self.record.attributes if a.variable), key=lambda a: a.order)
        return [
            CategoryQuestion(
                code=a.code,
                datatype=a.datatype,
                required=a.required,
                description=a.description,
                choices=[AnswerChoice(key=v.key, name=v.name) for v in a.values],
            )
            for a in asked
        ]

    @strawberry.field(
        description="False when the source asks questions it would not list: answers are then "
        "passed on for it to judge."
    )
    def questions_known(self) -> bool:
        return self.record.questions_known

    @strawberry.field(description="The complaints source that takes this category.")
    def source(self) -> str:
        return self.record.source


@dataclass(frozen=True, slots=True)
class _KnownComplaint:
    """What is known of a complaint: the source's record, the hub's delivery, or both."""

    tracking_id: str
    record: ComplaintRecord | None
    delivery: Delivery | None


@strawberry.type(description="A public complaint and what the city has done about it.")
class Complaint(Node):
    seen: strawberry.Private[_KnownComplaint]

    @classmethod
    def of(
        cls,
        record: ComplaintRecord | None,
        delivery: Delivery | None = None,
        tracking_id: str | None = None,
    ) -> Complaint:
        if record is not None:
            gid = GlobalId(TYPE_NAME, record.source, record.local_id)
        else:
            gid = GlobalId(TYPE_NAME, HUB_SOURCE, tracking_id or "")
        seen = _KnownComplaint(tracking_id or (record.local_id if record else ""), record, delivery)
        return cls(id=gid.encode(), seen=seen)

    @classmethod
    async def resolve_reference(
        cls, info: Info, id: strawberry.ID | None = None, tracking_id: str | None = None
    ) -> Complaint | None:
        """The complaint a supergraph names by its id or its tracking id."""
        if id is not None:
            return await complaint_by_global_id(info, GlobalId.of_type(id, TYPE_NAME))
        return await resolve_complaint(info, tracking_id or "")

    @strawberry.field(description="The id to follow it by: the hub's (KH-…) or the source's.")
    def tracking_id(self) -> str:
        return self.seen.tracking_id

    @strawberry.field(description="The source's own id, once it has one.")
    def source_id(self) -> str | None:
        return self.seen.record.local_id if self.seen.record else None

    @strawberry.field
    def category_code(self) -> str | None:
        record, delivery = self.seen.record, self.seen.delivery
        return record.category_code if record else delivery.category_code if delivery else None

    @strawberry.field
    def category_name(self) -> str | None:
        return self.seen.record.category_name if self.seen.record else None

    @strawberry.field
    def description(self) -> str | None:
        return self.seen.record.description if self.seen.record else None

    @strawberry.field
    def status(self) -> ComplaintStatus:
        record = self.seen.record
        return ComplaintStatus(record.status) if record else ComplaintStatus.OPEN

    @strawberry.field(description="What the responsible agency says it has done.")
    def status_notes(self) -> str | None:
        return self.seen.record.status_notes if self.seen.record else None

    @strawberry.field(description="The agency responsible for it.")
    def agency(self) -> str | None:
        return self.seen.record.agency if self.seen.record else None

    @strawberry.field
    def requested_at(self) -> datetime | None:
        record, delivery = self.seen.record, self.seen.delivery
        if record is not None:
            return record.requested_at
        return datetime.fromtimestamp(delivery.created_at, UTC) if delivery else None

    @strawberry.field
    def updated_at(self) -> datetime | None:
        return self.seen.record.updated_at if self.seen.record else None

    @strawberry.field(description="When the agency expects to have dealt with it.")
    def expected_at(self) -> datetime | None:
        return self.seen.record.expected_at if self.seen.record else None

    @strawberry.field(description="Still open past its expected time (or the service level).")
    def is_overdue(self, info: Info) -> bool:
        record = self.seen.record
        return complaints.is_overdue(info.context.scope, record) if record else False

    @strawberry.field(description="For closed complaints: closed by the deadline; else null.")
    def closed_on_time(self, info: Info) -> bool | None:
        record = self.seen.record
        return complaints.closed_on_time(info.context.scope, record) if record else None

    @strawberry.field
    def address(self) -> str | None:
        return self.seen.record.address if self.seen.record else None

    @strawberry.field(description="The kecamatan (district).")
    def district(self) -> str | None:
        return self.seen.record.district if self.seen.record else None

    @strawberry.field
    def location(self) -> GeoPoint | None:
        return GeoPoint.of(self.seen.record.location) if self.seen.record else None

    @strawberry.field(description=DOUBT)
    def location_doubt(self, info: Info) -> LocationDoubt | None:
        location = self.seen.record.location if self.seen.record else None
        return doubt_of(info.context.scope.complaint_rules.bounds, location)

    @strawberry.field
    def media_url(self) -> str | None:
        return self.seen.record.media_url if self.seen.record else None

    @strawberry.field(description="For complaints filed through this hub: where delivery stands.")
    def delivery_status(self) -> DeliveryStatus | None:
        delivery = self.seen.delivery
        return DeliveryStatus(delivery.status) if delivery else None

    @strawberry.field(description="Why the source refused it, when it did.")
    def rejection_reason(self) -> str | None:
        delivery = self.seen.delivery
        return delivery.reason if delivery and delivery.status == "REJECTED" else None

    nearby = nearby_field()

    def nearby_origin(self) -> tuple[ItemKey, GeoPointRecord | None]:
        record = self.seen.record
        if record is None:  # filed here and not delivered yet: no place known to the city
            return ("complaint", HUB_SOURCE, self.seen.tracking_id), None
        return ("complaint", record.source, record.local_id), record.location

    @strawberry.field
    def meta(self) -> SourceMeta:
        record, delivery = self.seen.record, self.seen.delivery
        if record is not None:
            return SourceMeta.of(record.provenance)
        stamp = datetime.fromtimestamp(delivery.updated_at if delivery else 0, UTC)
        return SourceMeta.of(Provenance(HUB_SOURCE, stamp))


@strawberry.input(description="Narrow complaints; every field given must match.")
class ComplaintFilter:
    status: ComplaintStatus | None = None
    category: str | None = strawberry.field(
        default=None, description="A category code.", metadata=at_most(CODE)
    )
    district: str | None = strawberry.field(
        default=None, description="Kecamatan name.", metadata=at_most(CODE)
    )
    since: datetime | None = strawberry.field(default=None, description="Filed at or after.")
    until: datetime | None = strawberry.field(default=None, description="Filed at or before.")
    text: str | None = strawberry.field(
        default=None,
        description="Words in the description, address, category or notes.",
        metadata=at_most(WORDS),
    )


async def resolve_categories(info: Info) -> list[ComplaintCategory]:
    found = await complaints.categories(info.context.scope)
    info.context.report(found.failures, info)
    return [ComplaintCategory.of(record) for record in found.value]


async def resolve_complaints(
    info: Info,
    filter: ComplaintFilter | None = None,
    first: int | None = None,
    after: Cursor = None,
) -> Connection[Complaint]:
    scope = info.context.scope
    request = page_request(first, after, scope.page_limits.default, scope.page_limits.maximum)
    given = filter or ComplaintFilter()
    wanted = complaints.ComplaintFilter(
        status=given.status.value if given.status else None,
        category=given.category,
        district=given.district,
        since=given.since,
        until=given.until,
        text=given.text,
    )
    found = await complaints.find_complaints(scope, wanted, request)
    info.context.report(found.failures, info)
    return connection(found.value, lambda record: Complaint.of(record))


async def resolve_complaint(info: Info, tracking_id: Code) -> Complaint | None:
    tracked = await complaints.track(info.context.scope, tracking_id.strip())
    if tracked is None:
        return None
    info.context.report(tracked.failures, info)
    return Complaint.of(tracked.record, tracked.delivery, tracked.tracking_id)


async def complaint_by_global_id(info: Info, gid: GlobalId) -> Complaint | None:
    if gid.type_name != TYPE_NAME:
        return None
    if gid.source == HUB_SOURCE:
        return await resolve_complaint(info, gid.local_id)
    record = await complaints.record_by_id(info.context.scope, gid.source, gid.local_id)
    return Complaint.of(record) if record else None


async def category_by_global_id(info: Info, gid: GlobalId) -> ComplaintCategory | None:
    found = await complaints.categories(info.context.scope)
    info.context.report(found.failures, info)
    wanted = (gid.source, gid.local_id)
    found_category = (r for r in found.value if (r.source, r.code) == wanted)
    return next((ComplaintCategory.of(r) for r in found_category), None)


shown_as(ComplaintRecord, lambda record, _distance_km: Complaint.of(record))
