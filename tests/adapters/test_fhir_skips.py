"""What the FHIR adapter leaves out is told once per fetched page: counted, summed for
``sources`` and logged, however many requests read the page again."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kotahub.adapters.fhir_bundle import ResourceIndex, page_entries
from kotahub.adapters.fhir_facilities import facilities_from
from kotahub.adapters.registry import build_adapter
from kotahub.contract import HealthAdapter
from kotahub.records import Provenance
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from tests.support.corpus import CORPUS, read_case, upstream_app
from tests.support.servers import ThreadedServer

CASE = read_case(CORPUS / "fhir-r4" / "spec-examples")


@pytest.fixture
def upstream() -> Iterator[ThreadedServer]:
    server = ThreadedServer(upstream_app(CASE))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client() -> AsyncIterator[SourceClient]:
    async with httpx.AsyncClient() as http:
        yield SourceClient(http, MemoryStore(64), key_prefix="skips")


def _fhir(client: SourceClient, server: ThreadedServer) -> HealthAdapter:
    settings = {"name": "examples", "kind": "fhir-r4", "base_url": server.url + "/fhir"}
    adapter = build_adapter(SourceSettings.model_validate(settings), client)
    assert adapter.domain == "health"
    return adapter  # type: ignore[return-value]


def _counted(client: SourceClient, reason: str) -> Any:
    labels = {"source": "examples", "reason": reason}
    return client.metrics.registry.get_sample_value(
        "kotahub_upstream_records_skipped_total", labels
    )


async def test_what_is_left_out_is_told_once_per_fetched_page(
    client: SourceClient, upstream: ThreadedServer, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = _fhir(client, upstream)
    for _ in range(3):  # the page is fetched once, then read from the cache
        assert [record.local_id for record in await adapter.facilities()] == ["1", "hl7"]
    status = next(s for s in client.statuses.snapshot() if s.name == "examples")
    assert (status.skipped.count, status.skipped.incomplete, status.skipped.total) == (3, 1, 8)
    assert (_counted(client, "not a facility"), _counted(client, "bad value")) == (3, 1)
    warnings = [r.getMessage() for r in caplog.records if "skipped 3 of 8" in r.getMessage()]
    assert len(warnings) == 1
    assert "Location/amb (BUMC Ambulance) is a kind of place" in warnings[0]


def test_each_resource_left_out_is_told_with_its_reason() -> None:
    bundle = json.loads((CASE.folder / "locations.json").read_text())
    index = ResourceIndex()
    read = index.add_entries(page_entries(bundle, "examples", logging.getLogger("test")))
    mapped = facilities_from(index, Provenance("examples", datetime.now(UTC)))
    assert read.total == 8 and not read.skips
    told = {f"{kind}/{rid}": skip.told() for (kind, rid), skip in mapped.skipped.items()}
    assert sorted(told) == [
        "HealthcareService/example",
        "Location/amb",
        "Location/ph",
        "Location/ukp",
    ]
    assert told["HealthcareService/example"] == (
        "bad value: HealthcareService/example: availableTime entry 2 ends (05:30) before "
        "it starts (08:30); listed without opening hours"
    )
    assert told["Location/ukp"].startswith("not a facility: Location/ukp (UK Pharmacies)")


def test_entries_without_a_resource_or_an_id_are_told() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"fullUrl": "urn:uuid:1"},
            {"resource": {"resourceType": "Location", "name": "Tanpa id"}},
            {"resource": {"resourceType": "Endpoint", "id": "e1"}},  # not read, not counted
            {"resource": {"resourceType": "Location", "id": "a", "name": "Klinik A"}},
        ],
    }
    read = ResourceIndex().add_entries(page_entries(bundle, "s", logging.getLogger("test")))
    assert read.total == 3
    assert [skip.told() for skip in read.skips] == [
        "not a record: entry 1 holds no resource",
        "no id: entry 2 has no id",
    ]


async def test_a_warning_of_the_server_is_logged_once_per_fetched_page(
    client: SourceClient, caplog: pytest.LogCaptureFixture
) -> None:
    server = ThreadedServer(upstream_app(read_case(CORPUS / "fhir-r4" / "search-warns")))
    server.start()
    try:
        adapter = _fhir(client, server)
        with caplog.at_level(logging.WARNING):
            for _ in range(3):  # three requests reading the one cached page
                assert len(await adapter.facilities()) == 1
    finally:
        server.stop()
    said = [r.getMessage() for r in caplog.records if "the search says" in r.getMessage()]
    assert len(said) == 1 and "index is being rebuilt" in said[0]
