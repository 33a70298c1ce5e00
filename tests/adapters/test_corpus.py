"""Every adapter over the upstream corpus: real servers' shapes, nothing lost in silence."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest

from kotahub.adapters.registry import build_adapter
from kotahub.contract import Adapter, ComplaintQuery
from kotahub.errors import SourceError
from kotahub.hub.source_check import check_source
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from kotahub.upstream.source_status import SourceSnapshot
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
            "extra_origins": case.origins(server.url),
        }
    )
    return build_adapter(settings, client)


async def _listed(adapter: Adapter) -> tuple[Sequence[Any], Sequence[Any] | None]:
    """The domain's records, and for complaints the categories."""
    if adapter.domain == "tourism":
        return await adapter.spots(), None  # type: ignore[attr-defined]
    if adapter.domain == "health":
        return await adapter.facilities(), None  # type: ignore[attr-defined]
    if adapter.domain == "complaints":
        categories = await adapter.categories()  # type: ignore[attr-defined]
        return await adapter.complaints(ComplaintQuery()), categories  # type: ignore[attr-defined]
    return await adapter.programs(), None  # type: ignore[attr-defined]


def _status(client: SourceClient) -> SourceSnapshot:
    return next(s for s in client.statuses.snapshot() if s.name == "corpus")


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
        status = _status(client)  # what the listing left out, before the checks read again
        findings = await check_source(adapter, corpus_upstream.url, lambda: _status(client).skipped)
    lines = "\n".join(finding.line() for finding in findings)
    if "records" in expect:
        assert len(records) == expect["records"], lines
    if "categories" in expect:
        assert len(categories or ()) == expect["categories"], lines
    if "ids" in expect:
        assert [record.local_id for record in records] == expect["ids"]
    skipped = status.skipped
    assert skipped.count == expect.get("skipped", 0), skipped
    assert skipped.incomplete == expect.get("incomplete", 0), skipped
    if "first_reason" in expect:
        assert (skipped.first_reason or "").startswith(expect["first_reason"]), skipped
    if "check" in expect:
        worst = max((_verdict(f.line()) for f in findings), key=VERDICTS.index)
        assert worst == expect["check"], lines
    _assert_values({record.local_id: record for record in records}, expect.get("record", []))
    by_code = {category.code: category for category in categories or ()}
    _assert_values(by_code, expect.get("category", []), key="code")


def _assert_values(found: dict[str, Any], expected: list[Any], key: str = "id") -> None:
    """Each ``[[expect.record]]`` (or ``category``): the values at its paths, by its key."""
    for wanted in expected:
        item = found[wanted[key]]
        for path, value in wanted.items():
            if path != key:
                assert _shown(value_at(item, path)) == _shown(value), (wanted[key], path)


def _verdict(line: str) -> str:
    return line.split()[0]


async def test_a_warm_listing_reuses_what_the_first_made_of_each_case(
    case: Case, corpus_upstream: ThreadedServer
) -> None:
    """Records are made once per fetched page: a second listing over the cached pages hands
    back the very same records, and tells nothing twice."""
    async with httpx.AsyncClient() as http:
        client = SourceClient(http, MemoryStore(64), key_prefix="corpus-warm")
        adapter = _adapter(case, corpus_upstream, client)
        try:
            records, categories = await _listed(adapter)
        except SourceError:
            pytest.skip("the case's listing fails: there is nothing to reuse")
        told = _status(client).skipped
        again, categories_again = await _listed(adapter)
    assert len(again) == len(records)
    assert all(a is b for a, b in zip(again, records, strict=True))
    assert len(categories_again or ()) == len(categories or ())
    assert _status(client).skipped == told
