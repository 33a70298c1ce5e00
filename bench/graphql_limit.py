"""(10) The stack's own cost of a query: graphql-core executing its very answer from memory.

The hub's schema (its published SDL), the document parsed once, and the answer's data as
the root value: every field is read from a dict by graphql-core's default resolver, so what
is timed is graphql-core walking the query and completing each value, nothing of the hub.
With the bare route's time per request, this is the limit a configuration is compared to.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

from graphql import build_schema, execute_sync, parse

from kotahub.schema.build import build_schema as hub_schema

BATCHES = 7
BATCH_SECONDS = 0.3


def execution_ms(
    query: str, variables: dict[str, Any] | None, answer: bytes, batches: int = BATCHES
) -> float:
    """The median milliseconds graphql-core takes to execute ``query`` over ``answer``'s data,
    over several batches (each repeating it for a fraction of a second)."""
    schema = build_schema(hub_schema().as_str())
    document = parse(query)
    data = json.loads(answer)["data"]

    def run() -> None:
        result = execute_sync(schema, document, root_value=data, variable_values=variables)
        if result.errors:
            raise RuntimeError(f"graphql-core could not execute the answer: {result.errors}")

    run()
    times = []
    for _ in range(batches):
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < BATCH_SECONDS:
            run()
            count += 1
        times.append((time.perf_counter() - started) * 1000 / count)
    return statistics.median(times)
