"""``sources``: each upstream source's circuit breaker and last outcomes; details for admins."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from kotahub.access import Role
from kotahub.errors import NotAllowed
from kotahub.schema.context import Info
from kotahub.upstream.source_status import SourceSnapshot


@strawberry.enum(description="Whether the hub calls a source, as this replica sees it.")
class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


def require_admin(info: Info) -> None:
    """NotAllowed, naming the field, unless the request acts with the admin scope."""
    principal = info.context.scope.principal
    if not principal.allows(Role.ADMIN):
        raise NotAllowed(
            f"{info.field_name} needs an API key with the admin scope, sent as "
            f"'X-API-Key: <key>'; this request has the {principal.role.label} scope"
        )


@strawberry.type(
    description="Records of a source's last fetched pages that the hub could not use: each "
    "is counted and logged, never dropped in silence."
)
class SkippedRecords:
    count: int = strawberry.field(description="Records left out.")
    total: int = strawberry.field(description="Records the pages held, used or not.")
    incomplete: int = strawberry.field(
        description="Records listed without a part that could not be read, such as hours."
    )
    first_reason: str | None = strawberry.field(
        description="Why the latest one was left out or listed incomplete, and which, "
        "as 'reason: detail'."
    )


@strawberry.type(
    description="One configured source: whether the hub calls it now (its circuit breaker in "
    "this replica) and when it last answered. The failure details are for admins."
)
class SourceStatus:
    snapshot: strawberry.Private[SourceSnapshot]

    @strawberry.field(description="The source's configured name, as in errors and meta.")
    def name(self) -> str:
        return self.snapshot.name

    @strawberry.field(description="The adapter that speaks its protocol: geojson, fhir-r4, …")
    def kind(self) -> str:
        return self.snapshot.kind

    @strawberry.field(
        description="CLOSED: called as usual. OPEN: recent calls failed, so it is not called "
        "for a while and its fields fail fast (or are served stale). HALF_OPEN: one probe "
        "call decides whether it is closed again."
    )
    def state(self) -> CircuitState:
        return CircuitState(self.snapshot.state)

    @strawberry.field(description="When this replica last had a good answer from it.")
    def last_success_at(self) -> datetime | None:
        return self.snapshot.last_success_at

    @strawberry.field(description="Records this replica could not use from its last answers.")
    def skipped_records(self) -> SkippedRecords:
        skipped = self.snapshot.skipped
        return SkippedRecords(
            count=skipped.count,
            total=skipped.total,
            incomplete=skipped.incomplete,
            first_reason=skipped.first_reason,
        )

    @strawberry.field(description="When this replica's last call to it failed. Admins only.")
    def last_failure_at(self, info: Info) -> datetime | None:
        require_admin(info)
        return self.snapshot.last_failure_at

    @strawberry.field(
        description="What went wrong last, as 'CODE: detail', without secrets. Admins only."
    )
    def last_error(self, info: Info) -> str | None:
        require_admin(info)
        return self.snapshot.last_error

    @strawberry.field(
        description="Failed calls in a row that count towards opening the breaker. Admins only."
    )
    def consecutive_failures(self, info: Info) -> int | None:
        require_admin(info)
        return self.snapshot.consecutive_failures

    @strawberry.field(
        description="Where the source answers, without user name, password or secret query "
        "values. Admins only."
    )
    def base_url(self, info: Info) -> str | None:
        require_admin(info)
        return self.snapshot.base_url


def resolve_sources(info: Info) -> list[SourceStatus]:
    reader = info.context.scope.source_statuses
    snapshots = reader.snapshot() if reader is not None else ()
    return [SourceStatus(snapshot=snapshot) for snapshot in snapshots]
