"""Upstreams that misbehave: each answered within its deadline as an error on its own paths,
retried when that may help, capped in size, and cut off by a circuit breaker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import httpx
import pytest

from kotahub.errors import SourceCircuitOpen, SourceHTTPError
from kotahub.hub.settings import Settings
from kotahub.upstream.client import SourceClient
from kotahub.upstream.retry import retry_after_seconds
from kotahub.upstream.source_settings import SourceSettings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, api_keys
from tests.support.controlled_upstream import Behaviour
from tests.support.fake_clock import FakeClock
from tests.support.graphql import gql, only_error
from tests.support.ports import free_port

QUERY = "{ touristSpots(first: 50) { totalCount edges { node { name meta { source stale } } } } }"
GENEROUS_SECONDS = 10.0  # far above every deadline below: only a hub that waits fails it


async def timed(client: httpx.AsyncClient, query: str = QUERY) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    body = await gql(client, query)
    return body, time.monotonic() - started


def served_sources(body: dict[str, Any]) -> set[str]:
    return {edge["node"]["meta"]["source"] for edge in body["data"]["touristSpots"]["edges"]}


def uji_error(body: dict[str, Any], code: str) -> dict[str, Any]:
    error = only_error(body)
    assert error["path"] == ["touristSpots"]
    assert error["extensions"] == {"code": code, "source": "uji"}
    return error


async def metric(client: httpx.AsyncClient, line_start: str) -> float:
    text = (await client.get("/metrics")).text
    found = [line for line in text.splitlines() if line.startswith(line_start + " ")]
    assert len(found) == 1, f"{line_start} is not in /metrics"
    return float(found[0].rsplit(" ", 1)[1])


async def test_an_upstream_that_hangs_is_answered_by_its_deadline(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.hang_seconds = 30
    uji = {**uji_source, "timeout_seconds": 0.5}
    async with hub(with_tourism(uji)) as client:
        body, seconds = await timed(client)
    error = uji_error(body, "UPSTREAM_TIMEOUT")
    assert "got no answer within 0.5s (timeout_seconds)" in error["message"]
    assert served_sources(body) == {"tourism"}
    assert seconds < GENEROUS_SECONDS
    assert behaviour.requests() == 1  # a read timeout past the deadline is not retried


async def test_an_upstream_that_drips_bytes_is_cut_at_its_deadline(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.drip_seconds = 0.05  # every read well within the read timeout
    uji = {**uji_source, "timeout_seconds": 0.5, "read_timeout_seconds": 5}
    async with hub(with_tourism(uji)) as client:
        body, seconds = await timed(client)
    assert "within 0.5s" in uji_error(body, "UPSTREAM_TIMEOUT")["message"]
    assert served_sources(body) == {"tourism"}
    assert seconds < GENEROUS_SECONDS


async def test_read_timeouts_are_retried_within_the_deadline(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.hang_seconds = 30
    uji = {**uji_source, "timeout_seconds": 5, "read_timeout_seconds": 0.2, "retries": 2}
    async with hub(with_tourism(uji)) as client:
        body, seconds = await timed(client)
        retries = await metric(client, 'kotahub_upstream_retries_total{source="uji"}')
    error = uji_error(body, "UPSTREAM_TIMEOUT")
    assert "sent nothing for 0.2s (read_timeout_seconds)" in error["message"]
    assert behaviour.requests() == 3 and retries == 2
    assert served_sources(body) == {"tourism"}
    assert seconds < GENEROUS_SECONDS


async def test_a_503_is_retried_with_backoff_until_the_upstream_answers(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.fail_next = 2
    async with hub(with_tourism(uji_source)) as client:
        body, _ = await timed(client)
        retries = await metric(client, 'kotahub_upstream_retries_total{source="uji"}')
    assert "errors" not in body
    assert served_sources(body) == {"tourism", "uji"}
    assert behaviour.requests() == 3 and retries == 2
    waits = [later - earlier for earlier, later in pairwise(behaviour.times)]
    assert all(wait >= 0.09 for wait in waits)  # 0.1 s, then 0.2 s, each plus jitter


async def test_retry_after_is_honoured_when_it_fits_the_deadline(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.fail_next, behaviour.retry_after = 1, "1"
    async with hub(with_tourism({**uji_source, "timeout_seconds": 5})) as client:
        body, _ = await timed(client)
    assert "errors" not in body
    assert behaviour.requests() == 2
    assert behaviour.times[1] - behaviour.times[0] >= 0.95  # not the 0.1 s backoff


async def test_retry_after_past_the_deadline_gives_up_at_once(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.failing, behaviour.retry_after = True, "120"
    async with hub(with_tourism({**uji_source, "timeout_seconds": 3})) as client:
        body, seconds = await timed(client)
    error = uji_error(body, "UPSTREAM_HTTP_ERROR")
    assert "answered HTTP 503 asking to be retried after 120s" in error["message"]
    assert "of the call's 3s (timeout_seconds) are left; not retried" in error["message"]
    assert behaviour.requests() == 1
    assert seconds < 2.5  # did not wait out the deadline, let alone two minutes


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2025, 3, 1, 8, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("7", now) == 7.0
    assert retry_after_seconds("Sat, 01 Mar 2025 08:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sat, 01 Mar 2025 07:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


async def test_a_post_is_sent_once_and_never_trips_the_breaker(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    behaviour.failing = True
    settings = SourceSettings.model_validate({**uji_source, "breaker_failures": 1})
    session = source_client.session(settings)
    with pytest.raises(SourceHTTPError, match="POST /items answered HTTP 503"):
        await session.post_form("", {"description": "lubang"})
    assert behaviour.methods == ["POST"]
    assert source_client.statuses.snapshot()[0].state == "closed"
    assert source_client.statuses.snapshot()[0].last_error == (
        "UPSTREAM_HTTP_ERROR: POST /items answered HTTP 503"
    )


@pytest.mark.parametrize(
    ("announce_length", "gzipped"),
    [(True, False), (False, False), (True, True)],
    ids=["content-length", "chunked", "gzip-bomb"],
)
async def test_a_huge_body_is_refused_at_the_size_cap(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    behaviour: Behaviour,
    uji_source: Any,
    announce_length: bool,
    gzipped: bool,
) -> None:
    behaviour.huge_bytes, behaviour.announce_length = 4 * 1_048_576, announce_length
    behaviour.gzipped = gzipped  # 4 MiB of padding compresses to a few KiB
    uji = {**uji_source, "max_response_bytes": 65_536}
    async with hub(with_tourism(uji)) as client:
        body, seconds = await timed(client)
    error = uji_error(body, "UPSTREAM_BAD_PAYLOAD")
    assert "more than the source's max_response_bytes of 65536" in error["message"]
    assert served_sources(body) == {"tourism"}
    assert behaviour.requests() == 1 and seconds < GENEROUS_SECONDS


@pytest.mark.parametrize(
    ("garbage", "expected"),
    [
        (b"<html>Bad gateway</html>", "not valid JSON"),
        (b'{"type": "FeatureCollection", "features": [', "not valid JSON"),
        (b'{"type": "FeatureCollection",\n "features": [1,, 2]}', "at line 2 column 17"),
        (b"[" * 200_000, "nested too deeply"),  # nested past Python's recursion limit
        (b"\xff\xfe\x00garbage", "not valid JSON"),
        (b"null", "expected a GeoJSON FeatureCollection"),
        (b"[1, 2, 3]", "expected a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": "none"}', "features"),
    ],
    ids=["html", "truncated", "where", "deep", "binary", "null", "list", "features-not-a-list"],
)
async def test_garbage_is_a_bad_payload_not_a_crash(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    behaviour: Behaviour,
    uji_source: Any,
    garbage: bytes,
    expected: str,
) -> None:
    behaviour.garbage = garbage
    async with hub(with_tourism(uji_source)) as client:
        body, _ = await timed(client)
    assert expected in uji_error(body, "UPSTREAM_BAD_PAYLOAD")["message"]
    assert served_sources(body) == {"tourism"}


async def test_refused_connections_are_retried_then_unavailable(
    hub: HubFactory, with_tourism: Callable[..., Settings]
) -> None:
    gone = {"name": "uji", "kind": "geojson", "base_url": f"http://127.0.0.1:{free_port()}/x"}
    async with hub(with_tourism(gone)) as client:
        body, seconds = await timed(client)
        retries = await metric(client, 'kotahub_upstream_retries_total{source="uji"}')
    assert "ConnectError" in uji_error(body, "UPSTREAM_UNAVAILABLE")["message"]
    assert retries == 2 and seconds < GENEROUS_SECONDS
    assert served_sources(body) == {"tourism"}


async def test_the_breaker_opens_after_repeated_failures_and_then_fails_fast(
    hub: HubFactory,
    with_tourism: Callable[..., Settings],
    behaviour: Behaviour,
    uji_source: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    behaviour.failing = True
    uji = {**uji_source, "retries": 0, "breaker_failures": 3}
    gauge = 'kotahub_upstream_circuit_state{source="uji"}'
    async with hub(with_tourism(uji, api_keys=api_keys())) as client:
        closed = await metric(client, gauge)
        failures = [(await timed(client))[0] for _ in range(3)]
        fast, _ = await timed(client)
        opened = await metric(client, gauge)
        admin = await gql(client, "{ sources { name lastError } }", headers=ADMIN)
    for body in failures:
        uji_error(body, "UPSTREAM_HTTP_ERROR")
    error = uji_error(fast, "UPSTREAM_CIRCUIT_OPEN")
    assert "circuit breaker open after 3 failures in a row" in error["message"]
    assert served_sources(fast) == {"tourism"}
    assert behaviour.requests() == 3  # the fourth query never reached the upstream
    assert (closed, opened) == (0.0, 2.0)
    # What the upstream answered is for admins and the logs, not for every client.
    assert "last" not in error["message"] and "HTTP 503" not in error["message"]
    last = "UPSTREAM_HTTP_ERROR: GET /items?limit=500 answered HTTP 503"
    assert {"name": "uji", "lastError": last} in admin["data"]["sources"]
    assert f"source uji: circuit breaker open for 30s: {last}" in caplog.messages


async def test_a_half_open_refusal_does_not_tell_clients_the_last_error(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    behaviour.failing, behaviour.failure_status = True, 500
    values = {**uji_source, "retries": 0, "breaker_failures": 1, "breaker_reset_seconds": 0.2}
    session = source_client.session(SourceSettings.model_validate(values))
    with pytest.raises(SourceHTTPError):
        await session.get_json("", {"page": 1})
    await asyncio.sleep(0.3)
    behaviour.delay_seconds = 0.3
    outcomes = await asyncio.gather(
        *(session.get_json("", {"page": page}) for page in (2, 3)), return_exceptions=True
    )
    refusal = next(o for o in outcomes if isinstance(o, SourceCircuitOpen))
    assert "one probe call is under way" in str(refusal)
    assert "HTTP 500" not in str(refusal) and "last" not in str(refusal)
    last_error = source_client.statuses.snapshot()[0].last_error  # the probe's, for admins
    assert last_error is not None and last_error.endswith("answered HTTP 500")


async def test_an_http_404_does_not_open_the_breaker(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.failing, behaviour.failure_status = True, 404
    uji = {**uji_source, "retries": 0, "breaker_failures": 2}
    async with hub(with_tourism(uji)) as client:
        bodies = [(await timed(client))[0] for _ in range(4)]
    for body in bodies:
        uji_error(body, "UPSTREAM_HTTP_ERROR")
    assert behaviour.requests() == 4


async def test_stale_data_is_served_while_the_breaker_is_open(
    hub_on_clock: HubFactory,
    clock: FakeClock,
    with_tourism: Callable[..., Settings],
    behaviour: Behaviour,
    uji_source: Any,
) -> None:
    behaviour.cache_control = "max-age=1, stale-if-error=60"
    uji = {**uji_source, "retries": 0, "breaker_failures": 2}
    query = '{ touristSpots(filter: {text: "uji"}) { edges { node { name meta { stale } } } } }'
    async with hub_on_clock(with_tourism(uji)) as client:
        await gql(client, query)
        behaviour.failing = True
        clock.advance(1.1)
        bodies = [await gql(client, query) for _ in range(4)]
    assert behaviour.requests() == 3  # the first answer, then two failures open the breaker
    for body in bodies:
        assert "errors" not in body
        node = body["data"]["touristSpots"]["edges"][0]["node"]
        assert node == {"name": "Pantai Uji v1", "meta": {"stale": True}}


async def test_a_half_open_breaker_lets_one_probe_through_and_closes_on_success(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.failing = True
    uji = {**uji_source, "retries": 0, "breaker_failures": 1, "breaker_reset_seconds": 0.3}
    async with hub(with_tourism(uji)) as client:
        uji_error((await timed(client))[0], "UPSTREAM_HTTP_ERROR")
        behaviour.failing = False
        uji_error((await timed(client))[0], "UPSTREAM_CIRCUIT_OPEN")
        await asyncio.sleep(0.4)
        probed, _ = await timed(client)
        after, _ = await timed(client)
        state = await metric(client, 'kotahub_upstream_circuit_state{source="uji"}')
    assert "errors" not in probed and served_sources(probed) == {"tourism", "uji"}
    assert "errors" not in after
    assert behaviour.requests() == 2 and state == 0.0  # the failure, then the probe


async def test_only_one_probe_goes_while_half_open_and_its_failure_reopens(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    behaviour.failing = True
    values = {**uji_source, "retries": 0, "breaker_failures": 1, "breaker_reset_seconds": 0.3}
    session = source_client.session(SourceSettings.model_validate(values))
    with pytest.raises(SourceHTTPError):
        await session.get_json("", {"page": 1})
    await asyncio.sleep(0.4)
    behaviour.delay_seconds = 0.3
    outcomes = await asyncio.gather(
        *(session.get_json("", {"page": page}) for page in (2, 3, 4)), return_exceptions=True
    )
    kinds = sorted(type(outcome).__name__ for outcome in outcomes)
    assert kinds == ["SourceCircuitOpen", "SourceCircuitOpen", "SourceHTTPError"]
    assert "one probe call is under way" in str(
        next(o for o in outcomes if isinstance(o, SourceCircuitOpen))
    )
    assert behaviour.requests() == 2
    with pytest.raises(SourceCircuitOpen, match="open after 2 failures in a row"):
        await session.get_json("", {"page": 5})  # the failed probe opened it again
