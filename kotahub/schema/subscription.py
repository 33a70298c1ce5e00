"""``Subscription``: a complaint as it moves, and sources' health as it changes (admins)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import AbstractAsyncContextManager, nullcontext

import strawberry

from kotahub.resolvers.complaint_follow import follow_complaint, renewed
from kotahub.resolvers.scope import RequestScope
from kotahub.resolvers.source_changes import follow_sources
from kotahub.schema.bounds import Code
from kotahub.schema.complaints import Complaint
from kotahub.schema.context import Info
from kotahub.schema.sources import SourceStatus, require_admin


@strawberry.type(
    description="Live updates, over WebSocket (graphql-transport-ws) or Server-Sent Events "
    "(graphql-sse) at the same endpoint."
)
class Subscription:
    @strawberry.subscription(
        description="The complaint now, then again whenever its delivery (QUEUED → SUBMITTED "
        "or REJECTED), its status, status notes, agency or expected time change."
    )
    async def complaint_updated(
        self, info: Info, tracking_id: Code
    ) -> AsyncGenerator[Complaint, None]:
        scope = info.context.scope
        async with _admitted(info, "complaintUpdated"):
            async for tracked in follow_complaint(scope, tracking_id.strip()):
                _delivered(info, "complaintUpdated", scope)
                yield Complaint.of(tracked.record, tracked.delivery, tracked.tracking_id)

    @strawberry.subscription(
        description="A source's status each time a replica sees its circuit open or close, or "
        "the source start or stop failing. Admins only."
    )
    async def source_status_changed(self, info: Info) -> AsyncGenerator[SourceStatus, None]:
        require_admin(info)
        scope = info.context.scope
        async with _admitted(info, "sourceStatusChanged"):
            async for snapshot in follow_sources(scope):
                _delivered(info, "sourceStatusChanged", scope)
                yield SourceStatus(snapshot=snapshot)


def _admitted(info: Info, field: str) -> AbstractAsyncContextManager[None]:
    """The hub's subscription limits and metrics, where it runs with them."""
    scope = info.context.scope
    gate = scope.subscriptions
    return gate.opened(field, scope.caller) if gate is not None else nullcontext()


def _delivered(info: Info, field: str, started: RequestScope) -> None:
    """Counted; and the event's fields resolve at the time of the event, with loaders that
    remember nothing of earlier events (the context is the connection's or the stream's)."""
    if started.live is not None:
        info.context.scope = renewed(started, started.live)
    gate = started.subscriptions
    if gate is not None:
        gate.delivered(field)
