"""FHIR paging links to another host: refused naming that origin, or followed, with the
source's credentials, when the source lists the origin in extra_origins."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from kotahub.adapters.registry import build_adapter
from kotahub.contract import HealthAdapter
from kotahub.errors import SourcePayloadError
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from tests.support.corpus import CORPUS, alias_of, read_case, upstream_app
from tests.support.servers import ThreadedServer

CASE = read_case(CORPUS / "fhir-r4" / "next-page-on-another-host")


class Recorded:
    """An ASGI app that notes the host and Authorization header of every request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, str | None]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode(): v.decode() for k, v in scope["headers"]}
            self.seen.append((headers["host"].split(":")[0], headers.get("authorization")))
        await self.app(scope, receive, send)


@pytest.fixture
def upstream() -> Iterator[ThreadedServer]:
    server = ThreadedServer(Recorded(upstream_app(CASE)))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client() -> AsyncIterator[SourceClient]:
    async with httpx.AsyncClient() as http:
        yield SourceClient(http, MemoryStore(64), key_prefix="paging", enabled=False)


def _fhir(client: SourceClient, server: ThreadedServer, **values: Any) -> HealthAdapter:
    settings = {
        "name": "faskes",
        "kind": "fhir-r4",
        "base_url": server.url + "/fhir",
        "options": {"page_size": 2},
        "retries": 0,
        **values,
    }
    adapter = build_adapter(SourceSettings.model_validate(settings), client)
    assert adapter.domain == "health"
    return adapter  # type: ignore[return-value]


async def test_a_next_link_to_another_host_names_that_origin(
    client: SourceClient, upstream: ThreadedServer
) -> None:
    with pytest.raises(SourcePayloadError) as caught:
        await _fhir(client, upstream).facilities()
    message = str(caught.value)
    assert f"leaves the source's origin {upstream.url} for {alias_of(upstream.url)}" in message
    assert "extra_origins" in message


async def test_a_listed_origin_is_followed_with_the_sources_token(
    client: SourceClient, upstream: ThreadedServer
) -> None:
    adapter = _fhir(client, upstream, token="t0ken", extra_origins=[alias_of(upstream.url)])
    found = await adapter.facilities()
    assert [record.local_id for record in found] == ["pkm-manggar", "pkm-lamaru", "pkm-teritip"]
    recorded: Recorded = upstream.app
    assert ("localhost", "Bearer t0ken") in recorded.seen
    assert {authorization for _, authorization in recorded.seen} == {"Bearer t0ken"}, recorded.seen
