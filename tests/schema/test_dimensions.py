"""The six smart-city dimensions through GraphQL, over real HTTP to the reference CKAN server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kotahub.demo.open311 import create_open311_app
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, complaints_source
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer
from tests.support.upstream import fetch_json

EVERYTHING = """{ dimensions { code name en: name(lang: EN) description
  programs { name agency status links indicators {
    code unit target higherIsBetter trend meetsTarget series { period value } latest { value } } }
  liveIndicators { code name method computedFrom live latest { value }
                   breakdown { label value } meta { source fetchedAt stale } } } }"""


def _check_indicator(indicator: dict[str, Any]) -> None:
    values = [point["value"] for point in indicator["series"]]
    assert values and indicator["latest"]["value"] == values[-1]
    if len(values) > 1:
        change = values[-1] - values[-2]
        assert indicator["trend"] == ("FLAT" if change == 0 else "UP" if change > 0 else "DOWN")
    if indicator["target"] is not None:
        better = (
            values[-1] >= indicator["target"]
            if indicator["higherIsBetter"]
            else (values[-1] <= indicator["target"])
        )
        assert indicator["meetsTarget"] is better


async def test_six_dimensions_with_programs_and_indicators(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    log = demo_server.app.state.dimensions.state.request_log
    log.clear()
    async with hub(hub_settings()) as client:
        body = await gql(client, EVERYTHING)
    assert "errors" not in body, body
    dimensions = body["data"]["dimensions"]
    assert [d["code"] for d in dimensions] == [
        "GOVERNANCE",
        "BRANDING",
        "ECONOMY",
        "LIVING",
        "SOCIETY",
        "ENVIRONMENT",
    ]
    for dimension in dimensions:
        assert len(dimension["programs"]) >= 2, dimension["code"]
        assert dimension["description"]
        for program in dimension["programs"]:
            assert program["agency"] and program["indicators"], program["name"]
            for indicator in program["indicators"]:
                _check_indicator(indicator)
    assert log.count("/api/3/action/package_search") == 1  # one search for all six
    assert log.count("/api/3/action/datastore_search") == 1  # one for every indicator


async def test_live_indicators_say_how_and_from_what(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, EVERYTHING)
    live = {i["code"]: i for d in body["data"]["dimensions"] for i in d["liveIndicators"]}
    assert set(live) == {"pengaduan-tepat-waktu", "wisata-e-tiket", "puskesmas-per-kecamatan"}
    assert all(i["live"] and i["method"] and i["computedFrom"] for i in live.values())
    assert live["puskesmas-per-kecamatan"]["computedFrom"] == ["health"]
    breakdown = live["puskesmas-per-kecamatan"]["breakdown"]
    assert len({b["label"] for b in breakdown}) == 6 and all(b["value"] >= 1 for b in breakdown)
    assert (
        live["puskesmas-per-kecamatan"]["latest"]["value"] == sum(b["value"] for b in breakdown) / 6
    )
    assert all(i["meta"]["source"] == "hub" and i["meta"]["stale"] is False for i in live.values())
    assert 0 < live["wisata-e-tiket"]["latest"]["value"] < 100


async def test_a_live_indicator_follows_the_data(
    hub: HubFactory, hub_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    upstream = ThreadedServer(create_open311_app(database=tmp_path / "c.sqlite3"))
    upstream.start()
    query = """{ dimension(code: GOVERNANCE) {
        liveIndicators { latest { value } breakdown { label value } } } }"""
    try:
        before = await _governance(hub, hub_settings, upstream, query)
        store = upstream.app.state.store
        open_ones = await fetch_json(f"{upstream.url}/requests.json", status="open")
        for request in open_ones[:5]:
            store.set_status(request["service_request_id"], "closed", "Sudah diperbaiki.")
        after = await _governance(hub, hub_settings, upstream, query)
    finally:
        upstream.stop()
    assert before != after
    assert after["breakdown"][0]["value"] > before["breakdown"][0]["value"]  # more closed on time


async def _governance(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream: ThreadedServer, query: str
) -> dict[str, Any]:
    settings = hub_settings(sources=[complaints_source(upstream.url) | {"base_url": upstream.url}])
    async with hub(settings) as client:
        body = await gql(client, query)
    (indicator,) = body["data"]["dimension"]["liveIndicators"]
    return dict(indicator)


@pytest.fixture
def portal_down(hub_settings: Callable[..., Settings]) -> Settings:
    """The reference sources, but the open-data portal at an address nothing answers."""
    down = [s.model_dump() for s in hub_settings().sources if s.kind != "ckan"]
    down.append({"name": "dimensions", "kind": "ckan", "base_url": "http://127.0.0.1:9/ckan"})
    return hub_settings(sources=down)


async def test_portal_down_leaves_the_live_indicators(
    hub: HubFactory, portal_down: Settings, demo_server: ThreadedServer
) -> None:
    query = "{ dimension(code: LIVING) { programs { name } liveIndicators { code } } }"
    async with hub(portal_down) as client:
        body = await gql(client, query)
    assert body["data"]["dimension"]["programs"] == []
    assert [i["code"] for i in body["data"]["dimension"]["liveIndicators"]] == [
        "puskesmas-per-kecamatan"
    ]
    (error,) = body["errors"]
    assert error["path"] == ["dimension", "programs"]
    assert error["extensions"] == {"code": "UPSTREAM_UNAVAILABLE", "source": "dimensions"}


async def test_an_indicator_where_lower_is_better(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = """{ dimension(code: GOVERNANCE) { programs { indicators {
        code higherIsBetter trend improving meetsTarget target series { value } } } } }"""
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    indicators = {
        i["code"]: i for p in body["data"]["dimension"]["programs"] for i in p["indicators"]
    }
    lower = [i for i in indicators.values() if not i["higherIsBetter"]]
    assert lower, "the sample data has indicators where lower is better"
    for indicator in lower:
        values = [point["value"] for point in indicator["series"]]
        if values[-1] < values[-2]:
            assert (indicator["trend"], indicator["improving"]) == ("DOWN", True)
        if indicator["target"] is not None:
            assert indicator["meetsTarget"] is (values[-1] <= indicator["target"])


async def test_the_six_dimensions_report_a_portal_down_on_each_programs_list(
    hub: HubFactory, portal_down: Settings
) -> None:
    query = "{ dimensions { code programs { name indicators { code } } } }"
    async with hub(portal_down) as client:
        body = await gql(client, query)
    assert [d["programs"] for d in body["data"]["dimensions"]] == [[]] * 6
    assert sorted(tuple(error["path"]) for error in body["errors"]) == [
        ("dimensions", index, "programs") for index in range(6)
    ]


async def test_programs_asked_through_fragments_are_read_as_when_written_out(
    hub: HubFactory, hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    fragments = """{ dimensions { ...Dim } }
      fragment Dim on Dimension { code ... on Dimension { programs { ...Prog } } }
      fragment Prog on Program { name indicators { code latest { value } } }"""
    written = "{ dimensions { code programs { name indicators { code latest { value } } } } }"
    log = demo_server.app.state.dimensions.state.request_log
    async with hub(hub_settings()) as client:
        log.clear()
        through = await gql(client, fragments)
        searches = log.count("/api/3/action/datastore_search")
        direct = await gql(client, written)
    assert "errors" not in through and through == direct
    assert searches == 1
