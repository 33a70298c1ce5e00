"""Two hub processes on one Redis count a client's operations together."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import tourism_source
from tests.support.hub_process import hub_processes
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.system

QUERY = "{ emergencyContacts { number } }"


@pytest.fixture
def replicas(redis_url: str, demo_server: ThreadedServer, tmp_path: Path) -> Iterator[list[str]]:
    settings = {
        "redis_url": redis_url,
        "cache_prefix": f"limits-{uuid.uuid4().hex[:8]}",
        "rate_limits": json.dumps({"anonymous": "6/minute"}),
        "log_level": "WARNING",
    }
    with hub_processes(2, [tourism_source(demo_server.url)], tmp_path, **settings) as urls:
        yield urls


async def test_the_seventh_request_is_refused_whichever_replica_gets_it(
    replicas: list[str],
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        statuses = []
        for n in range(8):
            url = replicas[n % 2]
            response = await client.post(f"{url}/graphql", json={"query": QUERY})
            statuses.append(response.status_code)
    assert statuses == [200] * 6 + [429, 429]
    assert response.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert int(response.headers["retry-after"]) >= 1
