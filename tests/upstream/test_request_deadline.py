"""A whole GraphQL request keeps one deadline, however many pages its sources take."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.errors import ConfigError, RequestDeadlineExceeded, SourceTimeout
from kotahub.hub.settings import Settings, load_settings
from kotahub.upstream.client import Fetched, SourceClient
from kotahub.upstream.deadline import request_deadline
from kotahub.upstream.source_settings import SourceSettings
from tests.conftest import HubFactory
from tests.support.controlled_upstream import Behaviour
from tests.support.graphql import gql, only_error

QUERY = "{ touristSpots(first: 50) { edges { node { name meta { source stale } } } } }"
GENEROUS_SECONDS = 10.0  # far above every deadline below, far below the pages' total time


def uji_names(body: dict[str, Any]) -> list[str]:
    edges = body["data"]["touristSpots"]["edges"]
    return [edge["node"]["name"] for edge in edges if edge["node"]["meta"]["source"] == "uji"]


async def test_many_slow_pages_end_with_the_request_deadline(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    # 60 pages, each answered well within the source's timeout: 36 s in all, page by page.
    behaviour.pages, behaviour.delay_seconds = 60, 0.6
    uji = {**uji_source, "timeout_seconds": 2, "retries": 0}
    async with hub(with_tourism(uji, request_timeout_seconds=2)) as client:
        started = time.monotonic()
        body = await gql(client, QUERY)
        seconds = time.monotonic() - started
    error = only_error(body)
    assert error["path"] == ["touristSpots"]
    assert error["extensions"] == {"code": "UPSTREAM_TIMEOUT", "source": "uji"}
    assert "GET /items?page=" in error["message"]
    assert (
        "before the request's deadline of 2s (request_timeout_seconds) passed" in error["message"]
    )
    assert seconds < GENEROUS_SECONDS
    assert behaviour.requests() <= 10  # of 60 pages: the request stopped following them
    assert uji_names(body) == []  # the tourism source still answered
    assert len(body["data"]["touristSpots"]["edges"]) > 0


async def test_pages_within_the_request_deadline_are_all_followed(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.pages = 5
    async with hub(with_tourism(uji_source, request_timeout_seconds=30)) as client:
        body = await gql(client, QUERY)
    assert "errors" not in body
    assert len(uji_names(body)) == 5 and behaviour.requests() == 5


async def test_a_background_refresh_is_not_cut_short_by_the_request_that_started_it(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    behaviour.cache_control = "max-age=1"  # then served stale while one refresh runs
    uji = {**uji_source, "timeout_seconds": 5, "retries": 0}
    async with hub(with_tourism(uji, request_timeout_seconds=1)) as client:
        assert uji_names(await gql(client, QUERY)) == ["Pantai Uji v1"]
        await asyncio.sleep(1.1)
        behaviour.version, behaviour.delay_seconds = 2, 2.5  # longer than the request may take
        behaviour.cache_control = "max-age=300"  # the refreshed answer stays fresh
        stale = await gql(client, QUERY)  # starts the refresh, answers at once
        fresh = await _until_refreshed(client)
    assert "errors" not in stale and uji_names(stale) == ["Pantai Uji v1"]
    assert "errors" not in fresh and uji_names(fresh) == ["Pantai Uji v2"]
    assert behaviour.requests() == 2  # the refresh completed; later queries read its answer


async def _until_refreshed(client: httpx.AsyncClient) -> dict[str, Any]:
    """Ask again until the refresh's answer (2.5 s away) is served; the stale one meanwhile."""
    deadline = time.monotonic() + 15
    while True:
        await asyncio.sleep(0.5)
        body = await gql(client, QUERY)
        if uji_names(body) != ["Pantai Uji v1"] or time.monotonic() > deadline:
            return body


async def test_a_call_in_a_request_without_time_left_is_not_sent(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    settings = SourceSettings.model_validate({**uji_source, "breaker_failures": 1})
    session = source_client.session(settings)
    with request_deadline(0.05):
        await asyncio.sleep(0.1)
        with pytest.raises(RequestDeadlineExceeded) as raised:
            await session.probe()
        with pytest.raises(RequestDeadlineExceeded):
            await session.get_json("", {"page": 1})
    assert str(raised.value) == (
        "source 'uji': GET /items not sent: the request's deadline of 0.05s "
        "(request_timeout_seconds) has passed"
    )
    assert behaviour.requests() == 0
    snapshot = source_client.statuses.snapshot()[0]
    assert snapshot.state == "closed" and snapshot.last_error is None


async def test_a_call_is_cut_at_the_request_deadline_without_tripping_the_breaker(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    behaviour.hang_seconds = 30
    values = {**uji_source, "timeout_seconds": 8, "retries": 0, "breaker_failures": 1}
    session = source_client.session(SourceSettings.model_validate(values))
    started = time.monotonic()
    with request_deadline(0.5), pytest.raises(RequestDeadlineExceeded) as raised:
        await session.fresh_json("")
    assert time.monotonic() - started < GENEROUS_SECONDS / 2  # not the source's 8 s
    assert raised.value.code == "UPSTREAM_TIMEOUT"
    assert str(raised.value) == (
        "source 'uji': GET /items got no answer before the request's deadline of 0.5s "
        "(request_timeout_seconds) passed"
    )
    assert source_client.statuses.snapshot()[0].state == "closed"  # the request ran out, not it


async def test_outside_a_request_a_call_keeps_the_source_timeout(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    """As the complaint delivery worker calls sources: no request, no request deadline."""
    behaviour.hang_seconds = 30
    values = {**uji_source, "timeout_seconds": 0.5, "retries": 0}
    session = source_client.session(SourceSettings.model_validate(values))
    with pytest.raises(SourceTimeout) as raised:
        await session.post_form("", {"description": "lubang"})
    assert not isinstance(raised.value, RequestDeadlineExceeded)
    assert "got no answer within 0.5s (timeout_seconds)" in str(raised.value)


async def test_a_request_waiting_on_a_shared_fetch_stops_at_its_own_deadline(
    source_client: SourceClient, behaviour: Behaviour, uji_source: dict[str, Any]
) -> None:
    """A fetch shared by several requests keeps the source's timeout: each request stops
    waiting at its own deadline, and the fetch still fills the cache for the next."""
    behaviour.delay_seconds = 1.0
    session = source_client.session(SourceSettings.model_validate(uji_source))

    async def within(seconds: float) -> Fetched:
        with request_deadline(seconds):
            return await session.get_json("", {"page": 1})

    outcomes = await asyncio.gather(within(0.3), within(8), return_exceptions=True)
    hurried, patient = outcomes
    assert isinstance(hurried, RequestDeadlineExceeded)
    assert "before the request's deadline of 0.3s" in str(hurried)
    assert not isinstance(patient, BaseException) and patient.body["type"] == "FeatureCollection"
    assert behaviour.requests() == 1


@pytest.mark.parametrize("value", ["0", "-1", "601", "soon"])
def test_request_timeout_must_be_positive_and_at_most_ten_minutes(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("KOTAHUB_REQUEST_TIMEOUT_SECONDS", value)
    with pytest.raises(ConfigError, match=r"invalid setting 'request_timeout_seconds'"):
        load_settings()


def test_request_timeout_defaults_to_thirty_seconds() -> None:
    assert load_settings().request_timeout_seconds == 30.0


async def test_each_request_has_a_deadline_of_its_own(
    hub: HubFactory, with_tourism: Callable[..., Settings], behaviour: Behaviour, uji_source: Any
) -> None:
    """Requests one after another, together far longer than one deadline, each in time."""
    behaviour.cache_control, behaviour.delay_seconds = "no-store", 0.4
    async with hub(with_tourism(uji_source, request_timeout_seconds=2)) as client:
        bodies = [await gql(client, QUERY) for _ in range(4)]
    for body in bodies:
        assert "errors" not in body and uji_names(body) == ["Pantai Uji v1"]
    assert behaviour.requests() == 4
