"""Each event of a subscription executes with a memo of its own.

graphql-core copies a subscription's executor for each event and the copies share its memo
of collected subfields, keyed by the identity of each event's field lists and keeping those
lists alive: it grows by an entry an event for as long as the subscription lasts (about
2 KB an event a subscriber). Each event's copy starts with an empty memo instead.
"""

from __future__ import annotations

from typing import Any

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext


class EventsForgetEachOther(StrawberryGraphQLCoreExecutionContext):
    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        executor._relevant_sub_fields = {}
        return executor
