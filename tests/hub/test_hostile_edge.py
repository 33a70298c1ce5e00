"""Hostile edges: upstreams echoing what was sent, forged Host headers, invented addresses."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from kotahub.adapters.error_bodies import explained
from kotahub.demo.open311 import create_open311_app
from kotahub.errors import ConfigError, SourceHTTPError
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings, load_settings
from kotahub.upstream.failure_text import MAX_CHARS, redacted
from tests.conftest import HubFactory
from tests.support.complaints import REPORTER, road_complaint, submit, wait_for_status
from tests.support.servers import ThreadedServer

SOURCE_KEY = "kunci-rahasia-sumber-7f3a9c"
DESCRIPTION = "Lubang besar di Jl. Jenderal Sudirman dekat halte"
# What the reporter and the source sent, and spellings of it an upstream may echo back.
SENT = [
    REPORTER["firstName"],
    REPORTER["lastName"],
    REPORTER["email"],
    REPORTER["phone"],
    DESCRIPTION,
    SOURCE_KEY,
]
LEAKS = [
    "siti",
    "rahmawati",
    "siti.rahma",
    "example.com",
    "4444",
    "9090",
    "lubang",
    "sudirman",
    SOURCE_KEY.lower(),
    "rahasia",
]


def _leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [leak for leak in LEAKS if leak in lowered]


# --- An upstream that echoes the posted form in its error body --------------------------


def _echo_of(raw: str) -> str:
    form = dict(parse_qsl(raw))
    phone_digits = "".join(char for char in form.get("phone", "") if char.isdigit())
    return (
        f"Invalid request {raw} from {json.dumps(form)}; reporter {form.get('first_name')} "
        f"{form.get('last_name')} <{form.get('email')}>, phone {phone_digits}, said "
        f"'{form.get('description', '')[:30]}'; Authorization: Bearer {form.get('api_key')}"
    )


def _echoing_open311(database: Path, statuses: list[int]) -> Starlette:
    """The reference Open311 server, except that a POST of a request is refused with each
    status of ``statuses`` in turn (the last one from then on), echoing the whole form."""

    async def refuse(request: Request) -> Response:
        status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
        description = _echo_of((await request.body()).decode())
        return JSONResponse([{"code": status, "description": description}], status_code=status)

    reference = create_open311_app(database=database)
    return Starlette(
        routes=[Route("/requests.json", refuse, methods=["POST"]), Mount("/", app=reference)]
    )


@pytest.fixture
def echoing_upstream(tmp_path: Path) -> Iterator[ThreadedServer]:
    server = ThreadedServer(_echoing_open311(tmp_path / "c.sqlite3", [503, 400]))
    server.start()
    yield server
    server.stop()


async def test_an_upstream_echoing_the_form_leaks_nothing_into_reasons_state_or_logs(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    echoing_upstream: ThreadedServer,
    redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="kotahub")
    source = {"name": "complaints", "kind": "open311", "base_url": echoing_upstream.url}
    settings = hub_settings(sources=[{**source, "api_key": SOURCE_KEY}])
    async with hub(settings) as client:
        queued = await submit(client, road_complaint(description=DESCRIPTION))
        done = await wait_for_status(client, queued["trackingId"], "REJECTED")
    redis = Redis.from_url(redis_url, decode_responses=True)
    state = await redis.hgetall(f"{settings.cache_prefix}:submission:{queued['trackingId']}")
    await redis.aclose()
    reason = done["rejectionReason"]
    assert reason.startswith("the source refused the complaint (HTTP 400): Invalid request")
    assert len(reason) <= 100 + MAX_CHARS and echoing_upstream.url not in reason
    assert "HTTP 503" in state["last_error"]  # the first attempt failed, and was retried
    assert _leaks(json.dumps(state)) == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "answered HTTP 400" in logged and "answered HTTP 503" in logged
    assert _leaks(logged) == []
    assert _leaks(reason) == []


# --- The redaction itself, for each way an upstream may echo ----------------------------

ECHOES = {
    "form-encoded": "bad form: first_name=Siti&last_name=Rahmawati&email=siti.rahma%40example.com"
    "&phone=%2B62+812+4444+9090&api_key=kunci-rahasia-sumber-7f3a9c",
    "json": '{"email": "siti.rahma@example.com", "phone": "+62 812 4444 9090", '
    '"description": "Lubang besar di Jl. Jenderal Sudirman dekat halte"}',
    "prose": "Reporter Siti Rahmawati (siti.rahma@example.com) could not be reached",
    "cut-short": "Description too long: Lubang besar di Jl. Jend",
    "phone-reformatted": "phone 6281244449090 is not a valid MSISDN",
    "phone-dashed": "call 0812-4444-9090 back",
    "split-by-newlines": "name:\nSiti\r\n\tRahmawati\x00 is unknown",
    "bearer": "Authorization: Bearer kunci-rahasia-sumber-7f3a9c refused",
    "query-string": "see /requests?token=abc123&api_key=kunci-rahasia-sumber-7f3a9c",
    "inside-json": json.dumps({"note": "Lubang besar di Jl. Jenderal Sudirman dekat halte ✓"}),
    "upper-case": "UNKNOWN REPORTER SITI RAHMAWATI, SITI.RAHMA@EXAMPLE.COM",
    "huge": "x" * 200_000 + " siti.rahma@example.com",
}


@pytest.mark.parametrize("echo", ECHOES.values(), ids=ECHOES.keys())
def test_what_an_upstream_echoes_is_redacted(echo: str) -> None:
    shown = redacted(echo, SENT)
    assert _leaks(shown) == []
    assert len(shown) <= MAX_CHARS and "\n" not in shown and "\x00" not in shown


@pytest.mark.parametrize(
    "text",
    [
        "description: must not be empty",
        "lat and long must be sent together; long is missing.",
        "service_code jalan-rusak needs attribute tingkat_kerusakan",
        "page_size must be at most 200 (got 500)",
    ],
)
def test_what_an_upstream_says_of_its_own_is_kept(text: str) -> None:
    assert redacted(text, SENT) == text


def test_a_deeply_nested_error_body_is_a_plain_http_error() -> None:
    body = "[" * 100_000 + "]" * 100_000
    error = SourceHTTPError("complaints", 400, "POST /requests.json answered HTTP 400", body)
    explained_error = explained(error, lambda _: "never read", logging.getLogger("test"))
    assert explained_error.status == 400 and explained_error.explanation == ""


# --- Redirects name a path, never the Host the request gave -----------------------------

EVIL = {"host": "evil.example"}


@pytest.mark.parametrize(
    ("method", "path", "location"),
    [
        ("POST", "/graphql/", "/graphql"),
        ("GET", "/graphql/?query=%7B__typename%7D", "/graphql?query=%7B__typename%7D"),
        ("GET", "/healthz/", "/healthz"),
        ("GET", "/", "/portal/"),
        ("GET", "//evil.example/graphql/", None),
        ("GET", "/graphql//", "/graphql"),
    ],
)
async def test_redirects_are_relative_whatever_the_host_header(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    method: str,
    path: str,
    location: str | None,
) -> None:
    raw_path, _, query = path.partition("?")
    url = httpx.URL("http://hub.test", raw_path=path.encode())
    assert url.path == raw_path and url.query.decode() == query
    async with hub(hub_settings(delivery_worker=False)) as client:
        body = b"{}" if method == "POST" else b""
        request = client.build_request(method, url, headers=EVIL, content=body)
        response = await client.send(request)
    assert response.headers.get("location") == location
    if location is not None:
        assert response.status_code == 307


async def test_the_embedded_reference_upstreams_redirect_relatively_too(
    redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(redis_url=redis_url, delivery_worker=False, demo_data_dir=tmp_path)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as client:
        response = await client.get("/reference/tourism/collections/attractions/items/")
    assert response.status_code == 307
    assert response.headers["location"] == "/reference/tourism/collections/attractions/items"


async def test_trusted_hosts_refuse_any_other_host(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    settings = hub_settings(delivery_worker=False, trusted_hosts=["hub.test", "*.kota.example"])
    async with hub(settings) as client:
        evil = await client.post("/graphql/", headers=EVIL, json={})
        named = await client.get("/healthz")
        wildcard = await client.get("/healthz", headers={"host": "api.kota.example:8443"})
    assert evil.status_code == 400 and "location" not in evil.headers
    assert named.status_code == 200 and wildcard.status_code == 200


async def test_by_default_any_host_is_answered(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(delivery_worker=False)) as client:
        response = await client.get("/healthz", headers=EVIL)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "host", ["*evil.example", "api.*.example", "api.example:8000", "http://api.example", ""]
)
def test_trusted_hosts_must_be_host_patterns(tmp_path: Path, host: str) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'trusted_hosts = ["{host}"]\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith(f"invalid setting 'trusted_hosts' in '{config}'")
    assert "expected '*', host names such as 'api.kota.example'" in message


# --- X-Forwarded-For that names no address counts against the proxy --------------------

PROXY = ("10.0.0.7", 4321)


@pytest.mark.parametrize(
    "forwarded",
    [
        "unknown",
        "evil.example",
        "_hidden",
        "1.2.3.4.5",
        "999.1.1.1",
        "01.02.03.04",
        "[2001:db8::1",
        "2001:db8::g",
        "1.2.3.4 5.6.7.8",
        "unknown, 10.0.0.8",
        "x" * 2000,
    ],
)
async def test_a_forwarded_value_that_is_no_address_counts_against_the_proxy(
    hub_settings: Callable[..., Settings], forwarded: str
) -> None:
    settings = hub_settings(
        delivery_worker=False,
        trusted_proxies=["10.0.0.0/8"],
        rate_limits={"anonymous": "2/minute"},
    )
    statuses = await _statuses(
        settings, [{"x-forwarded-for": forwarded}] * 2 + [{}, {"x-forwarded-for": "203.0.113.9"}]
    )
    # Two under the invented name, then the proxy's own address is over its limit; a real
    # forwarded address still has a count of its own.
    assert statuses == [200, 200, 429, 200]


async def _statuses(settings: Settings, headers: list[dict[str, str]]) -> list[int]:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, client=PROXY)
    body: dict[str, Any] = {"query": "{ __typename }"}
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client,
    ):
        return [(await client.post("/graphql", json=body, headers=h)).status_code for h in headers]
