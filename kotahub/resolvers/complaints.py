"""Public complaints across every complaints source: filters, deadlines, tracking and paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kotahub.contract import ComplaintQuery
from kotahub.errors import ClientInputError, SourceError
from kotahub.records import ComplaintCategoryRecord, ComplaintRecord, Delivery
from kotahub.resolvers.distinct_ids import base_id
from kotahub.resolvers.fan_out import from_every_source
from kotahub.resolvers.outcome import Partial
from kotahub.resolvers.paging import Page, PageRequest, paginate
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.text_match import contains_all_words, fold

TRACKING_PREFIX = "KH-"


@dataclass(frozen=True, slots=True)
class ComplaintFilter:
    status: str | None = None
    category: str | None = None
    district: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Tracked:
    """A complaint looked up by tracking id: the hub's delivery state, the upstream record."""

    tracking_id: str
    delivery: Delivery | None
    record: ComplaintRecord | None
    failures: tuple[SourceError, ...] = ()


async def categories(scope: RequestScope) -> Partial[list[ComplaintCategoryRecord]]:
    sources = [adapter.source for adapter in scope.catalog.complaints]
    return await from_every_source(scope.loaders.categories, sources)


async def find_complaints(
    scope: RequestScope, wanted: ComplaintFilter, page: PageRequest
) -> Partial[Page[ComplaintRecord]]:
    """Newest first; status and category are asked of the source, the rest filtered here."""
    if wanted.since and wanted.until and wanted.since > wanted.until:
        raise ClientInputError("filter.since must not be later than filter.until")
    query = ComplaintQuery(wanted.since, wanted.until, wanted.status, wanted.category)
    keys = [(adapter.source, query) for adapter in scope.catalog.complaints]
    found = await from_every_source(scope.loaders.complaints, keys)
    matching = [record for record in found.value if _matches(record, wanted)]
    matching.sort(key=lambda r: r.requested_at.timestamp() if r.requested_at else 0, reverse=True)
    return Partial(paginate(matching, page), found.failures)


async def track(scope: RequestScope, tracking_id: str) -> Tracked | None:
    """A hub tracking id (``KH-…``) or a source's own request id."""
    if tracking_id.startswith(TRACKING_PREFIX):
        return await _submitted(scope, tracking_id)
    for adapter in scope.catalog.complaints:
        record = await record_by_id(scope, adapter.source, tracking_id)
        if record is not None:
            return Tracked(tracking_id, None, record)
    return None


async def record_by_id(scope: RequestScope, source: str, local_id: str) -> ComplaintRecord | None:
    """One complaint by its source and the source's own id; the lookups of one request share
    one call per source. None when it does not exist. A complaint whose id the source gave
    another too (``3~5f2a9c1e``) is found in the source's list, as the hub named it there."""
    if source not in {adapter.source for adapter in scope.catalog.complaints}:
        return None
    if base_id(local_id) is not None:
        listed = await scope.loaders.complaints.load((source, ComplaintQuery()))
        found = next((record for record in listed if record.local_id == local_id), None)
        if found is not None:
            return found
    return await scope.loaders.complaint_records.load((source, local_id))


async def _submitted(scope: RequestScope, tracking_id: str) -> Tracked | None:
    """The hub's delivery state, and the source's record when the source answers."""
    delivery = await scope.outbox.tracked(tracking_id) if scope.outbox else None
    if delivery is None:
        return None
    adapter = next((a for a in scope.catalog.complaints if a.source == delivery.source), None)
    if adapter is None or delivery.status != "SUBMITTED":
        return Tracked(tracking_id, delivery, None)
    try:
        upstream_id = delivery.upstream_id
        if upstream_id is None and delivery.upstream_token:
            upstream_id = await adapter.id_for_token(delivery.upstream_token)
            if upstream_id is not None and scope.outbox is not None:
                await scope.outbox.remember_upstream_id(tracking_id, upstream_id)
        record = await record_by_id(scope, adapter.source, upstream_id) if upstream_id else None
    except SourceError as exc:
        return Tracked(tracking_id, delivery, None, (exc,))
    return Tracked(tracking_id, delivery, record)


def is_overdue(scope: RequestScope, record: ComplaintRecord) -> bool:
    """Still open past its expected time, or past the service level when none was given."""
    deadline = deadline_of(scope, record)
    return record.status == "open" and deadline is not None and scope.now > deadline


def closed_on_time(scope: RequestScope, record: ComplaintRecord) -> bool | None:
    """For closed complaints: whether they were closed by their deadline."""
    deadline = deadline_of(scope, record)
    if record.status != "closed" or deadline is None or record.updated_at is None:
        return None
    return record.updated_at <= deadline


def deadline_of(scope: RequestScope, record: ComplaintRecord) -> datetime | None:
    if record.expected_at is not None:
        return record.expected_at
    if record.requested_at is None:
        return None
    return record.requested_at + scope.complaint_rules.service_level


def _matches(record: ComplaintRecord, wanted: ComplaintFilter) -> bool:
    if wanted.district and fold(wanted.district) != fold(record.district or ""):
        return False
    if wanted.text:
        texts = [record.description, record.address, record.category_name, record.status_notes]
        return contains_all_words(wanted.text, texts)
    return True
