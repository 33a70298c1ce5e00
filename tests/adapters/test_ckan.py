"""The CKAN adapter against the reference CKAN server over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from kotahub.contract import Adapter, DimensionsAdapter
from kotahub.demo.app import DIMENSIONS_CKAN
from kotahub.demo.ckan_store import DATA_FILE
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import DIMENSION_CODES
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
