"""The contract every adapter keeps, run against its reference upstream over real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kotahub.adapters.registry import BUILTIN_ADAPTERS
from kotahub.contract import Adapter, ComplaintQuery
from kotahub.demo.app import COMPLAINTS_OPEN311, DIMENSIONS_CKAN, HEALTH_FHIR, TOURISM_ITEMS
from kotahub.errors import SourceHTTPError, SourcePayloadError, SourceUnavailable
from tests.support.servers import ThreadedServer


@dataclass(frozen=True)
class Case:
    kind: str
    path: str  # where the reference upstream serves this protocol
    options: dict[str, Any] = field(default_factory=dict)


# The json adapter reads the reference GeoJSON as the plain JSON it also is.
GEOJSON_AS_JSON = {
    "domain": "tourism",
    "items": "features",
    "fields": {"id": "id", "name": "properties.name"},
}
CASES = [
    Case("geojson", TOURISM_ITEMS),
    Case("fhir-r4", HEALTH_FHIR),
    Case("open311", COMPLAINTS_OPEN311),
    Case("ckan", DIMENSIONS_CKAN),
    Case("json", TOURISM_ITEMS, GEOJSON_AS_JSON),
]


def test_every_builtin_adapter_has_a_contract_case() -> None:
    assert {case.kind for case in CASES} == set(BUILTIN_ADAPTERS)


async def _records(adapter: Adapter) -> list[Any]:
    calls = {
        "tourism": lambda: adapter.spots(),  # type: ignore[attr-defined]
        "health": lambda: adapter.facilities(),  # type: ignore[attr-defined]
        "complaints": lambda: adapter.complaints(ComplaintQuery()),  # type: ignore[attr-defined]
        "dimensions": lambda: adapter.programs(),  # type: ignore[attr-defined]
    }
    return list(await calls[adapter.domain]())


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
async def test_reads_the_reference_upstream(
    case: Case, demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = make_adapter(
        name="ref", kind=case.kind, base_url=demo_server.url + case.path, options=case.options
    )
    await adapter.probe()
    records = await _records(adapter)
    assert records
    ids = [record.local_id for record in records]
    assert len(ids) == len(set(ids))
    assert all(record.source == "ref" for record in records)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
async def test_unreachable_upstream_is_a_source_error(
    case: Case, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = make_adapter(
        name="gone", kind=case.kind, base_url="http://127.0.0.1:9/x", options=case.options
    )
    with pytest.raises(SourceUnavailable, match="source 'gone'"):
        await _records(adapter)
    with pytest.raises(SourceUnavailable):
        await adapter.probe()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
async def test_invalid_json_is_a_payload_error(
    case: Case, misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = make_adapter(
        name="bad",
        kind=case.kind,
        base_url=misbehaving_server.url + "/not-json",
        options=case.options,
    )
    with pytest.raises(SourcePayloadError, match="not valid JSON"):
        await _records(adapter)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.kind)
async def test_server_error_names_status_and_detail(
    case: Case, misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    adapter = make_adapter(
        name="bad",
        kind=case.kind,
        base_url=misbehaving_server.url + "/server-error",
        options=case.options,
    )
    with pytest.raises(SourceHTTPError, match="HTTP 500") as caught:
        await _records(adapter)
    assert caught.value.status == 500
