"""A long subscription does not grow with its events: each event's executor has its own memo."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncGenerator

import pytest
import strawberry

from kotahub.schema.event_memo import EventsForgetEachOther

pytestmark = pytest.mark.unit

EVENTS = 5000


@strawberry.type
class Query:
    ready: bool = True


@strawberry.type
class Tick:
    number: int
    label: str


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def ticks(self, count: int) -> AsyncGenerator[Tick, None]:
        for number in range(count):
            yield Tick(number=number, label=str(number))


async def _growth(schema: strawberry.Schema) -> int:
    """Bytes still held after the later events of a subscription, beyond its first ones."""
    events = await schema.subscribe(f"subscription {{ ticks(count: {EVENTS}) {{ number label }} }}")
    tracemalloc.start()
    try:
        seen = 0
        async for _ in events:
            seen += 1
            if seen == 500:
                early = tracemalloc.take_snapshot()
        late = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    return sum(stat.size_diff for stat in late.compare_to(early, "filename"))


async def test_a_subscriptions_memory_does_not_grow_with_its_events() -> None:
    kept = strawberry.Schema(query=Query, subscription=Subscription)
    forgot = strawberry.Schema(
        query=Query, subscription=Subscription, execution_context_class=EventsForgetEachOther
    )
    assert await _growth(kept) > 1_000_000  # graphql-core's own: about 1 KB an event
    assert await _growth(forgot) < 100_000
