"""``kotahub check-source``: the adapter contract against a live upstream, with fixes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kotahub.cli import main
from kotahub.demo.app import COMPLAINTS_OPEN311
from kotahub.errors import ConfigError
from kotahub.hub.settings import Settings
from kotahub.hub.source_check import check_configured, records_usable
from kotahub.upstream.skips import SkippedRecords
from tests.support.controlled_upstream import Behaviour
from tests.support.ports import free_port
from tests.support.servers import ThreadedServer


async def checked(settings: Settings, name: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await check_configured(settings, name, out)
    return code, out.getvalue()


@pytest.mark.parametrize("name", ["tourism", "health", "complaints", "dimensions"])
async def test_the_reference_upstreams_conform(
    hub_settings: Callable[..., Settings], name: str
) -> None:
    code, report = await checked(hub_settings(), name)
    assert code == 0, report
    assert "FAIL" not in report
    assert report.count("PASS") >= 2 and "checks pass" in report


async def test_a_source_answering_garbage_fails_with_what_to_fix(
    hub_settings: Callable[..., Settings], uji_source: dict[str, Any], behaviour: Behaviour
) -> None:
    behaviour.garbage = b'{"type": "not a FeatureCollection"}'
    code, report = await checked(hub_settings(sources=[uji_source]), "uji")
    assert code == 1
    assert "FAIL  tourist spots listed: UPSTREAM_BAD_PAYLOAD" in report
    assert "fix: the answer is not geojson: check kind and base_url" in report


async def test_a_wrong_path_and_a_dead_host_are_told_apart(
    hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    missing = {"name": "lost", "kind": "geojson", "base_url": f"{demo_server.url}/no/such/items"}
    dead = {"name": "dead", "kind": "geojson", "base_url": f"http://127.0.0.1:{free_port()}/x"}
    settings = hub_settings(sources=[missing, dead])
    lost_code, lost = await checked(settings, "lost")
    dead_code, gone = await checked(settings, "dead")
    assert lost_code == dead_code == 1
    assert "fix: nothing answers there: check base_url" in lost
    assert "fix: the host cannot be reached: check base_url" in gone


async def test_an_unknown_name_lists_the_configured_sources(
    hub_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ConfigError, match="configured sources: complaints, dimensions, health"):
        await checked(hub_settings(), "wisata")


def test_the_command_exits_with_the_verdict(
    tmp_path: Any, demo_server: ThreadedServer, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        f'redis_url = "{redis_url}"\n[[sources]]\nname = "lost"\nkind = "geojson"\n'
        f'base_url = "{demo_server.url}/no/such/items"\n'
    )
    assert main(["check-source", "lost", "--config", str(config)]) == 1
    assert "fix: nothing answers there" in capsys.readouterr().out


def forgetful_open311(upstream: str) -> Starlette:
    """An Open311 server that lists the reference complaints but finds none by its id."""

    async def relay(request: Request) -> Response:
        if "service_request_id" in request.query_params:
            return JSONResponse([])  # ids asked for at once: none found
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"{upstream}{request.url.path}", params=request.query_params)
        return Response(answer.content, answer.status_code, media_type="application/json")

    async def not_found(request: Request) -> Response:
        return JSONResponse([{"code": 404, "description": "not found"}], status_code=404)

    return Starlette(
        routes=[
            Route("/services.json", relay),
            Route("/requests.json", relay),
            Route("/requests/{request_id}.json", not_found),
        ]
    )


async def test_complaints_listed_but_not_found_by_id_fail_with_what_to_fix(
    hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> None:
    server = ThreadedServer(forgetful_open311(f"{demo_server.url}{COMPLAINTS_OPEN311}"))
    server.start()
    try:
        source = {"name": "lupa", "kind": "open311", "base_url": server.url, "api_key": "x"}
        code, report = await checked(hub_settings(sources=[source]), "lupa")
    finally:
        server.stop()
    assert code == 1
    assert "PASS  complaints listed" in report
    assert "FAIL  complaints found by id: complaint BPN-" in report
    assert "fix: the source must answer a lookup of every id it lists" in report


async def test_the_reference_complaints_are_found_one_by_one_and_in_one_call(
    hub_settings: Callable[..., Settings],
) -> None:
    code, report = await checked(hub_settings(), "complaints")
    assert code == 0
    assert "PASS  complaints found by id: 3 found one by one and in one call" in report


def test_records_listed_incomplete_warn_and_records_all_left_out_fail() -> None:
    incomplete = records_usable(SkippedRecords(0, 2, "bad value: hours end first", 2))
    assert (incomplete.ok, incomplete.warn) == (True, True)
    assert "0 of 2 records left out, 2 listed incomplete" in incomplete.detail
    assert "end after the start" in incomplete.fix
    gone = records_usable(SkippedRecords(2, 2, "no name: feature 0", 0))
    assert not gone.ok and "options.properties.name" in gone.fix
    assert records_usable(SkippedRecords(0, 5, None, 0)).line().startswith("PASS")
