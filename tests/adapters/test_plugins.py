"""Third-party adapters installed as distributions: the worked example of docs/adapters.md."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from kotahub.adapters.geojson import GeoJSONTourismAdapter
from kotahub.adapters.registry import adapter_factory
from kotahub.errors import ConfigError
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings
from kotahub.upstream.source_settings import SourceSettings
from tests.conftest import HubFactory
from tests.support.distributions import install_distribution
from tests.support.graphql import gql
from tests.support.servers import ThreadedServer

DOCS = Path(__file__).parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "parks_adapter.py"
MODULE = "kotahub_parks"
DIST = "kotahub-parks"
PARKS: list[dict[str, object]] = [
    {"code": "tbk", "name": "Taman Bekapai", "kecamatan": "Balikpapan Kota",
     "lat": -1.2755, "lon": 116.8297, "about": "Taman kota di tepi pantai"},
    {"code": "tt", "name": "Taman Tiga Generasi", "kecamatan": "Balikpapan Selatan",
     "lat": -1.2681, "lon": 116.8450},
    {"code": "tw", "name": "Taman Wisata Batakan", "kecamatan": "Balikpapan Timur"},
    {"name": "without a code"},
    {"code": "tmk", "name": "Taman Kota Balikpapan Baru", "kecamatan": "Balikpapan Selatan"},
]  # fmt: skip


async def _parks(request: Request) -> JSONResponse:
    """The partner's API: ``per_page`` parks a page, and a relative link to the next one."""
    per_page = int(request.query_params.get("per_page", "2"))
    page = int(request.query_params.get("page", "1"))
    start = (page - 1) * per_page
    more = start + per_page < len(PARKS)
    following = f"parks?page={page + 1}&per_page={per_page}" if more else None
    return JSONResponse({"parks": PARKS[start : start + per_page], "next": following})


@pytest.fixture(scope="module")
def parks_upstream() -> Iterator[ThreadedServer]:
    server = ThreadedServer(Starlette(routes=[Route("/api/parks", _parks)]))
    server.start()
    yield server
    server.stop()


def _install(
    monkeypatch: pytest.MonkeyPatch, root: Path, entry_points: dict[str, str], source: str = ""
) -> None:
    modules = {MODULE: source or EXAMPLE.read_text(encoding="utf-8")}
    install_distribution(monkeypatch, root, DIST, entry_points, modules)


def _source(kind: str) -> SourceSettings:
    return SourceSettings(name="parks", kind=kind, base_url="http://parks.test/api/parks")


async def test_an_installed_adapter_serves_through_graphql(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    parks_upstream: ThreadedServer,
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
) -> None:
    _install(monkeypatch, tmp_path, {"parks": f"{MODULE}:ParksAdapter"})
    source = {
        "name": "parks",
        "kind": "parks",
        "base_url": f"{parks_upstream.url}/api/parks",
        "options": {"per_page": 2},
    }
    query = """{ touristSpots(first: 10) { totalCount
        edges { node { name district categories location { lat lon } } } } }"""
    async with hub(hub_settings(sources=[source])) as client:
        body = await gql(client, query)
    assert "errors" not in body
    spots = body["data"]["touristSpots"]
    names = sorted(edge["node"]["name"] for edge in spots["edges"])
    assert spots["totalCount"] == 4
    assert names == sorted(str(park["name"]) for park in PARKS if "code" in park)
    bekapai = next(e["node"] for e in spots["edges"] if e["node"]["name"] == "Taman Bekapai")
    assert bekapai["district"] == "Balikpapan Kota"
    assert bekapai["location"] == {"lat": -1.2755, "lon": 116.8297}


def test_its_options_are_checked_at_start_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, hub_settings: Callable[..., Settings]
) -> None:
    _install(monkeypatch, tmp_path, {"parks": f"{MODULE}:ParksAdapter"})
    source = {
        "name": "parks",
        "kind": "parks",
        "base_url": "http://p.t/",
        "options": {"per_page": 0},
    }
    with pytest.raises(ConfigError, match=r"sources\.parks\.options\.per_page"):
        create_app(hub_settings(sources=[source]))


def test_an_unknown_kind_lists_built_in_and_installed_kinds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _install(monkeypatch, tmp_path, {"parks": f"{MODULE}:ParksAdapter"})
    with pytest.raises(ConfigError) as caught:
        adapter_factory(_source("wfs"))
    assert str(caught.value) == (
        "source 'parks': unknown adapter kind 'wfs'; "
        "known kinds: ckan, fhir-r4, geojson, json, open311; installed plug-ins: parks"
    )


def test_a_built_in_kind_wins_over_a_plug_in_of_its_name(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    hub_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    _install(monkeypatch, tmp_path, {"geojson": f"{MODULE}:ParksAdapter"})
    with caplog.at_level(logging.WARNING, logger="kotahub.adapters"):
        create_app(hub_settings())
    assert adapter_factory(_source("geojson")) is GeoJSONTourismAdapter
    assert (
        "adapter plug-in 'geojson' (kotahub_parks:ParksAdapter, from kotahub-parks 0.1.0) "
        "is ignored: 'geojson' is a built-in adapter kind"
    ) in caplog.messages


@pytest.mark.parametrize(
    ("target", "source", "wrong"),
    [
        ("kotahub_parks:ParksAdapter", "import no_such_partner_library\n",
         "cannot be loaded: ModuleNotFoundError: No module named 'no_such_partner_library'"),
        ("kotahub_parks:Missing", "",
         "cannot be loaded: AttributeError: module 'kotahub_parks' has no attribute 'Missing'"),
        ("kotahub_parks:MAX_PAGES", "",
         "is not a usable adapter factory: got int 50, expected an adapter class"),
        ("kotahub_parks:ParksOptions", "",
         "is not a usable adapter factory: its options_model is None"),
        ("kotahub_parks:Wrong", "from kotahub_parks_base import *\nclass Wrong(ParksAdapter):\n"
         "    domain = 'weather'\n",
         "its domain is 'weather', expected one of tourism, health, complaints, dimensions"),
        ("kotahub_parks:Wrong", "from kotahub_parks_base import *\nclass Wrong(ParksAdapter):\n"
         "    kind = 'taman'\n", "its kind is 'taman', expected 'parks'"),
        ("kotahub_parks:Wrong", "from kotahub_parks_base import *\nclass Wrong(ParksAdapter):\n"
         "    spots = None\n", "it lacks spots, which a tourism adapter needs"),
    ],
    ids=["import fails", "no such object", "not callable", "no options", "domain", "kind",
         "methods"],
)  # fmt: skip
def test_an_unusable_plug_in_stops_start_up_naming_it(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    hub_settings: Callable[..., Settings],
    target: str,
    source: str,
    wrong: str,
) -> None:
    base = {"kotahub_parks_base": EXAMPLE.read_text(encoding="utf-8")}
    install_distribution(monkeypatch, tmp_path / "base", "kotahub-parks-base", {}, base)
    _install(monkeypatch, tmp_path / "dist", {"parks": target}, source)
    settings = hub_settings(sources=[{"name": "parks", "kind": "parks", "base_url": "http://p.t/"}])
    with pytest.raises(ConfigError) as caught:
        create_app(settings)
    named = f"adapter plug-in 'parks' ({target}, from kotahub-parks 0.1.0) "
    assert str(caught.value).startswith(named)
    assert wrong in str(caught.value)


def test_the_guide_shows_the_example_as_it_is() -> None:
    guide = (DOCS / "adapters.md").read_text(encoding="utf-8")
    example = guide.split("## The worked example", 1)[1].split("```python\n", 1)[1]
    assert example.split("```", 1)[0] == EXAMPLE.read_text(encoding="utf-8")
