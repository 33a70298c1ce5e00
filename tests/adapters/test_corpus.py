"""Every adapter over the upstream corpus: real servers' shapes, nothing lost in silence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from kotahub.adapters.registry import build_adapter
from kotahub.contract import Adapter, ComplaintQuery
from kotahub.hub.source_check import check_source
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from tests.support.corpus import VERDICTS, Case, cases, upstream_app, value_at
from tests.support.servers import ThreadedServer

CASES = cases()


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def corpus_upstream(case: Case) -> Iterator[ThreadedServer]:
    server = ThreadedServer(upstream_app(case))
    server.start()
    yield server
    server.stop()


def _adapter(case: Case, server: ThreadedServer, client: SourceClient) -> Adapter:
    settings = SourceSettings.model_validate(
        {
            "name": "corpus",
            "kind": case.kind,
            "base_url": server.url + case.base_path,
            "options": dict(case.options),
            "retries": 0,
        }
    )
    return build_adapter(settings, client)


async def _listed(adapter: Adapter) -> tuple[Sequence[Any], int | None]:
    """The domain's records, and for complaints the number of categories."""
    if adapter.domain == "tourism":
        return await adapter.spots(), None  # type: ignore[attr-defined]
    if adapter.domain == "health":
        return await adapter.facilities(), None  # type: ignore[attr-defined]
    if adapter.domain == "complaints":
        categories = await adapter.categories()  # type: ignore[attr-defined]
        return await adapter.complaints(ComplaintQuery()), len(categories)  # type: ignore[attr-defined]
    return await adapter.programs(), None  # type: ignore[attr-defined]


def _shown(value: Any) -> str:
    return "null" if value is None else str(value)


async def test_the_hub_makes_of_each_case_what_it_expects(
    case: Case, corpus_upstream: ThreadedServer
) -> None:
    expect = case.expect
    async with httpx.AsyncClient() as http:
        client = SourceClient(http, MemoryStore(64), key_prefix="corpus", enabled=False)
        adapter = _adapter(case, corpus_upstream, client)
        records, categories = await _listed(adapter)
        status = next(s for s in client.statuses.snapshot() if s.name == "corpus")
        findings = await check_source(adapter, corpus_upstream.url, lambda: status.skipped)
    lines = "\n".join(finding.line() for finding in findings)
    if "records" in expect:
        assert len(records) == expect["records"], lines
    if "categories" in expect:
        assert categories == expect["categories"], lines
    if "ids" in expect:
        assert [record.local_id for record in records] == expect["ids"]
    skipped = status.skipped
    assert skipped.count == expect.get("skipped", 0), skipped
    if "first_reason" in expect:
        assert (skipped.first_reason or "").startswith(expect["first_reason"]), skipped
    if "check" in expect:
        worst = max((_verdict(f.line()) for f in findings), key=VERDICTS.index)
        assert worst == expect["check"], lines
    by_id = {record.local_id: record for record in records}
    for wanted in expect.get("record", []):
        record = by_id[wanted["id"]]
        for path, value in wanted.items():
            if path != "id":
                assert _shown(value_at(record, path)) == _shown(value), (wanted["id"], path)


def _verdict(line: str) -> str:
    return line.split()[0]
