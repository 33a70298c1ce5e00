"""The submitComplaint mutation: field-level checks, then a durable queue and a tracking id."""

from __future__ import annotations

import strawberry

from kotahub.errors import ClientInputError
from kotahub.records import Contact, GeoPoint
from kotahub.resolvers import complaint_submission
from kotahub.resolvers.complaint_submission import (
    ANSWER_LIMIT,
    DESCRIPTION_LIMIT,
    TEXT_LIMITS,
    VALUE_LIMIT,
)
from kotahub.schema.bounds import CODE, ROOM
from kotahub.schema.complaints import Complaint, DeliveryStatus
from kotahub.schema.context import Info
from kotahub.schema.list_bounds import items_at_most
from kotahub.schema.string_bounds import at_most

IDEMPOTENCY_KEY_LIMIT = 200


@strawberry.input(description="Where the problem is.")
class LocationInput:
    lat: float
    lon: float


@strawberry.input(description="The answer to one of the category's questions.")
class AnswerInput:
    code: str = strawberry.field(metadata=at_most(CODE))
    values: list[str] = strawberry.field(
        description="One value; several only for a multivaluelist question.",
        metadata=at_most(ROOM * TEXT_LIMITS["answers"]) | items_at_most(VALUE_LIMIT),
    )


@strawberry.input(description="Who reports it: passed to the city, never shown by any query.")
class ReporterInput:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


@strawberry.input(description="A complaint to file with the city.")
class SubmitComplaintInput:
    category: str = strawberry.field(
        description="A code from complaintCategories.", metadata=at_most(CODE)
    )
    description: str = strawberry.field(
        description="What is wrong; up to 4,000 characters.",
        metadata=at_most(ROOM * DESCRIPTION_LIMIT),
    )
    location: LocationInput | None = None
    address: str | None = strawberry.field(default=None, description="If no location is given.")
    answers: list[AnswerInput] = strawberry.field(
        default_factory=list,
        description=f"One for each question of the category; up to {ANSWER_LIMIT}.",
        metadata=items_at_most(ANSWER_LIMIT),
    )
    media_url: str | None = strawberry.field(
        default=None,
        description="An http(s) photo URL.",
        metadata=at_most(ROOM * TEXT_LIMITS["mediaUrl"]),
    )
    reporter: ReporterInput | None = None
    source: str | None = strawberry.field(
        default=None,
        description="Which complaints source; the first one if not given.",
        metadata=at_most(CODE),
    )


@strawberry.type(description="One thing wrong with the input, and what was expected.")
class FieldError:
    field: str
    message: str


@strawberry.type(description="The outcome: a tracking id and QUEUED, or the field errors.")
class SubmitComplaintPayload:
    tracking_id: str | None
    delivery_status: DeliveryStatus | None
    complaint: Complaint | None
    errors: list[FieldError]


async def resolve_submit(
    info: Info, input: SubmitComplaintInput, idempotency_key: str | None = None
) -> SubmitComplaintPayload:
    if idempotency_key is not None and not 0 < len(idempotency_key) <= IDEMPOTENCY_KEY_LIMIT:
        raise ClientInputError(
            f"idempotencyKey must be 1 to {IDEMPOTENCY_KEY_LIMIT} characters long"
        )
    result = await complaint_submission.submit(info.context.scope, _draft(input), idempotency_key)
    if result.delivery is None:
        errors = [FieldError(field=p.field, message=p.message) for p in result.problems]
        return SubmitComplaintPayload(
            tracking_id=None, delivery_status=None, complaint=None, errors=errors
        )
    delivery = result.delivery
    return SubmitComplaintPayload(
        tracking_id=delivery.tracking_id,
        delivery_status=DeliveryStatus(delivery.status),
        complaint=Complaint.of(None, delivery, delivery.tracking_id),
        errors=[],
    )


def _draft(given: SubmitComplaintInput) -> complaint_submission.Draft:
    reporter = given.reporter or ReporterInput()
    location = given.location
    return complaint_submission.Draft(
        category=given.category,
        description=given.description,
        location=GeoPoint(lat=location.lat, lon=location.lon) if location else None,
        address=given.address,
        answers=tuple(
            complaint_submission.Answer(answer.code, tuple(answer.values))
            for answer in given.answers
        ),
        media_url=given.media_url,
        contact=Contact(reporter.first_name, reporter.last_name, reporter.email, reporter.phone),
        source=given.source,
    )
