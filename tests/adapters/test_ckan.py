"""The CKAN adapter against the reference CKAN server and the corpus's portals over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote_plus

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

from kotahub.adapters.registry import adapter_factory, build_adapter
from kotahub.contract import Adapter, DimensionsAdapter
from kotahub.demo.app import DIMENSIONS_CKAN
from kotahub.demo.ckan_store import DATA_FILE
from kotahub.errors import ConfigError, SourceHTTPError, SourcePayloadError
from kotahub.hub.source_check import check_source
from kotahub.records import DIMENSION_CODES
from kotahub.store.cache import MemoryStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.skips import SkippedRecords
from kotahub.upstream.source_settings import SourceSettings
from tests.support.corpus import Case, cases, upstream_app, value_at
from tests.support.servers import ThreadedServer

DATA = json.loads(DATA_FILE.read_text())
RESOURCE = "b2c3e1f0-7d4a-4e8b-9c61-5a3f0e8d2b71"


@pytest.fixture
def ckan(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> Callable[..., DimensionsAdapter]:
    def make(**options: Any) -> DimensionsAdapter:
        adapter = make_adapter(
            name="satudata",
            kind="ckan",
            base_url=demo_server.url + DIMENSIONS_CKAN,
            options=options,
        )
        return adapter  # type: ignore[return-value]

    return make


def _dimension(package: dict[str, Any]) -> str | None:
    extras = {e["key"]: e["value"] for e in package.get("extras", [])}
    return extras.get("dimension")


@pytest.fixture
def ckan_log(demo_server: ThreadedServer) -> Any:
    log = demo_server.app.state.dimensions.state.request_log
    log.clear()
    return log


async def test_programs_page_through_package_search(
    ckan: Callable[..., DimensionsAdapter], ckan_log: Any
) -> None:
    programs = await ckan(rows=5).programs()
    six = [p for p in DATA["packages"] if _dimension(p) in DIMENSION_CODES]
    assert len(programs) == len(six) >= 14 and len(six) < len(DATA["packages"])  # no "all"
    assert ckan_log.count("/api/3/action/package_search") == -(-len(DATA["packages"]) // 5)
    governance = await ckan().programs("governance")
    assert {p.dimension for p in governance} == {"governance"} and len(governance) >= 2
    assert any("fq=" in query for _, _, query in ckan_log.requests)
    portal = next(p for p in governance if p.slug == "portal-informasi-satu-klik")
    assert portal.name.en and portal.agency and portal.status and portal.indicator_resource


async def test_indicators_follow_links_next(
    ckan: Callable[..., DimensionsAdapter], ckan_log: Any
) -> None:
    grouped = await ckan(limit=50).indicators(RESOURCE)
    series = [indicator for indicators in grouped.values() for indicator in indicators]
    points = sum(len(indicator.points) for indicator in series)
    assert ckan_log.count("/api/3/action/datastore_search") == -(-points // 50)
    assert points >= 120 and len(grouped) >= 14
    first = series[0]
    assert [p.period for p in first.points] == sorted(p.period for p in first.points)
    assert first.unit and first.target is not None and first.sample


async def test_not_found_and_refusals_are_named(
    ckan: Callable[..., DimensionsAdapter],
    misbehaving_server: ThreadedServer,
    make_adapter: Callable[..., Adapter],
) -> None:
    with pytest.raises(SourceHTTPError, match="Not Found Error"):
        await ckan().indicators("no-such-resource")
    refusing = make_adapter(
        name="kaltim", kind="ckan", base_url=misbehaving_server.url + "/ckan-refusing"
    )
    with pytest.raises(SourcePayloadError, match="Authorization Error — message: Access denied"):
        await refusing.programs()  # type: ignore[attr-defined]


# --- Real portals as they are: the corpus's CKAN cases, their DataStore tables included.

DATASTORE_CASES = [c for c in cases() if c.kind == "ckan" and "indicators" in c.expect]


@pytest.fixture
def ckan_case(request: pytest.FixtureRequest) -> Iterator[tuple[Case, ThreadedServer]]:
    case = _case(request.param)
    server = ThreadedServer(_recorded(upstream_app(case)))
    server.start()
    yield case, server
    server.stop()


def _case(name: str) -> Case:
    return next(c for c in cases() if c.id == f"ckan/{name}")


def _recorded(app: Starlette) -> Starlette:
    """The case's upstream, keeping the query of every request in ``app.state.queries``."""
    app.state.queries = []

    async def record(request: Request, call_next: RequestResponseEndpoint) -> Response:
        app.state.queries.append((request.url.path, dict(request.query_params)))
        return await call_next(request)

    app.add_middleware(BaseHTTPMiddleware, dispatch=record)
    return app


def _corpus_adapter(case: Case, server: ThreadedServer, client: SourceClient) -> Any:
    settings = SourceSettings.model_validate(
        {
            "name": "corpus",
            "kind": "ckan",
            "base_url": server.url + case.base_path,
            "options": dict(case.options),
            "retries": 0,
        }
    )
    return build_adapter(settings, client)


def _skipped(client: SourceClient) -> SkippedRecords:
    return next(s.skipped for s in client.statuses.snapshot() if s.name == "corpus")


@pytest.mark.integration
@pytest.mark.parametrize("ckan_case", [c.name for c in DATASTORE_CASES], indirect=True, ids=str)
async def test_each_corpus_portal_gives_the_indicators_it_expects(
    ckan_case: tuple[Case, ThreadedServer],
) -> None:
    """As the hub reads them: each program's series from the table its record names, looked
    up by the program's slug; rows left out are counted, with the first reason."""
    case, server = ckan_case
    expect = case.expect["indicators"]
    async with httpx.AsyncClient() as http:
        listing = SourceClient(http, MemoryStore(64), key_prefix="corpus", enabled=False)
        programs = await _corpus_adapter(case, server, listing).programs()
        reading = SourceClient(http, MemoryStore(64), key_prefix="corpus", enabled=False)
        adapter = _corpus_adapter(case, server, reading)
        tables = {p.indicator_resource for p in programs if p.indicator_resource}
        loaded = {table: await adapter.indicators(table) for table in sorted(tables)}
    series = {
        (p.slug, i.code): i
        for p in programs
        if p.indicator_resource
        for i in loaded[p.indicator_resource].get(p.slug, ())
    }
    assert len(series) == expect["count"], sorted(series)
    assert sum(len(i.points) for i in series.values()) == expect["points"]
    skipped = _skipped(reading)
    assert skipped.count == expect.get("skipped", 0), skipped
    assert (skipped.first_reason or "").startswith(expect.get("first_reason", "")), skipped
    for wanted in expect.get("series", []):
        found = series[(wanted["program"], wanted["code"])]
        for path, value in wanted.items():
            if path not in ("program", "code"):
                shown = "null" if value is None else str(value)
                assert str(_or_null(value_at(found, path))) == shown, (wanted["code"], path)


def _or_null(value: Any) -> Any:
    return "null" if value is None else value


@pytest.mark.integration
@pytest.mark.parametrize("ckan_case", ["nothing-maps"], indirect=True)
async def test_a_portal_where_nothing_maps_fails_check_source_naming_the_option(
    ckan_case: tuple[Case, ThreadedServer],
) -> None:
    case, server = ckan_case
    async with httpx.AsyncClient() as http:
        client = SourceClient(http, MemoryStore(64), key_prefix="corpus", enabled=False)
        adapter = _corpus_adapter(case, server, client)
        findings = await check_source(adapter, server.url, lambda: _skipped(client))
    usable = next(f for f in findings if f.check == "records usable")
    assert not usable.ok and "3 of 3 records left out" in usable.detail
    assert "options.dimension_from" in usable.fix


@pytest.mark.integration
@pytest.mark.parametrize("ckan_case", ["groups-and-tags"], indirect=True)
async def test_one_dimension_of_a_mapped_portal_is_told_by_the_mapping_not_by_fq(
    ckan_case: tuple[Case, ThreadedServer],
) -> None:
    """Solr knows no mapping: the hub asks for every dataset and keeps the dimension's."""
    case, server = ckan_case
    async with httpx.AsyncClient() as http:
        client = SourceClient(http, MemoryStore(64), key_prefix="corpus", enabled=False)
        living = await _corpus_adapter(case, server, client).programs("living")
    assert [p.slug for p in living] == ["angka-kesakitan-dbd"]
    searches = [q for path, q in server.app.state.queries if path.endswith("package_search")]
    assert len(searches) == 2 and not any("fq" in q for q in searches)


async def test_the_profile_asks_solr_for_one_dimension_within_the_options_fq(
    ckan: Callable[..., DimensionsAdapter], ckan_log: Any
) -> None:
    programs = await ckan(fq="organization:diskominfo").programs("governance")
    assert programs and {p.dimension for p in programs} == {"governance"}
    sent = [query for _, path, query in ckan_log.requests if path.endswith("package_search")]
    assert sent and all(
        'fq=organization:diskominfo AND extras_dimension:"governance"' in unquote_plus(q)
        for q in sent
    )


def test_a_mapping_to_something_not_a_dimension_is_refused_at_start() -> None:
    settings = SourceSettings.model_validate(
        {
            "name": "satudata",
            "kind": "ckan",
            "base_url": "http://127.0.0.1:9/",
            "options": {"dimension_from": {"groups": {"ekonomi": "ekonomi"}}},
        }
    )
    with pytest.raises(ConfigError, match=r"sources\.satudata\.options\.dimension_from"):
        adapter_factory(settings)
