"""Stale answers: served while one refresh runs, served while the upstream fails, and
refreshed by asking the upstream only whether they changed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.controlled_upstream import Behaviour
from tests.support.fake_clock import FakeClock
from tests.support.graphql import gql, only_error

QUERY = "{ touristSpots { edges { node { name meta { source fetchedAt stale } } } } }"
# The hub's clock is moved past these windows at once; Redis, which expires keys in real
# time, keeps every entry for the whole test, so only the hub decides what is stale.
FRESH_SECONDS = 60.0
STALE_SECONDS = 300.0


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour(cache_control=f"max-age={FRESH_SECONDS:g}")


@pytest.fixture
def settings(hub_settings: Callable[..., Settings], uji_source: dict[str, Any]) -> Settings:
    return hub_settings(sources=[uji_source], response_cache=False, stale_seconds=STALE_SECONDS)


def spot(body: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = body["data"]["touristSpots"]["edges"][0]["node"]
    return node


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    ends = time.monotonic() + seconds
    while not check():
        if time.monotonic() > ends:
            raise AssertionError("the condition never held")
        await asyncio.sleep(0.02)


async def first_answer(
    client: httpx.AsyncClient, accepted: Callable[[dict[str, Any]], bool], seconds: float = 10.0
) -> dict[str, Any]:
    """The first answer to QUERY that ``accepted`` takes, asked for again until one is
    (a background refresh stores its answer when it is done)."""
    ends = time.monotonic() + seconds
    while not accepted(body := await gql(client, QUERY)):
        if time.monotonic() > ends:
            raise AssertionError(f"no answer was accepted; the last one: {body}")
        await asyncio.sleep(0.02)
    return body


def fresh(body: dict[str, Any]) -> bool:
    return not spot(body)["meta"]["stale"]


async def test_stale_is_served_while_one_refresh_runs(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub_on_clock(settings) as client:
        first = await gql(client, QUERY)
        behaviour.version, behaviour.held = 2, True  # the refresh waits for the twenty answers
        clock.advance(FRESH_SECONDS + 0.1)
        during = await asyncio.gather(*(gql(client, QUERY) for _ in range(20)))
        await eventually(lambda: behaviour.requests() == 2)
        behaviour.held = False
        after = await first_answer(client, fresh)
    assert spot(first)["name"] == "Pantai Uji v1" and not spot(first)["meta"]["stale"]
    for body in during:
        assert spot(body)["name"] == "Pantai Uji v1" and spot(body)["meta"]["stale"]
        assert body["extensions"]["stale"] == [
            {"source": "uji", "fetchedAt": spot(first)["meta"]["fetchedAt"]}
        ]
    assert behaviour.requests() == 2  # twenty stale answers, one refresh
    assert spot(after)["name"] == "Pantai Uji v2" and not spot(after)["meta"]["stale"]
    assert "extensions" not in after or "stale" not in after["extensions"]


async def test_stale_is_served_while_the_upstream_fails_until_the_window_ends(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub_on_clock(settings) as client:
        await gql(client, QUERY)
        behaviour.failing = True
        clock.advance(FRESH_SECONDS + 0.1)
        failing = [await gql(client, QUERY) for _ in range(3)]
        clock.advance(STALE_SECONDS)  # the stale window is over
        gone = await gql(client, QUERY)
    for body in failing:
        assert "errors" not in body
        assert spot(body)["name"] == "Pantai Uji v1" and spot(body)["meta"]["stale"]
    error = only_error(gone)
    assert error["extensions"] == {"code": "UPSTREAM_HTTP_ERROR", "source": "uji"}


async def test_a_stale_entry_is_revalidated_with_its_etag(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub_on_clock(settings) as client:
        first = await gql(client, QUERY)
        clock.advance(FRESH_SECONDS + 0.1)
        await gql(client, QUERY)  # stale: starts the conditional refresh
        await eventually(lambda: behaviour.requests() == 2)
        after = await first_answer(client, fresh)
        metrics = (await client.get("/metrics")).text
    assert behaviour.seen[1] == ("/items", '"v1"')  # If-None-Match: the answer it had
    assert spot(after)["name"] == spot(first)["name"] and not spot(after)["meta"]["stale"]
    assert spot(after)["meta"]["fetchedAt"] > spot(first)["meta"]["fetchedAt"]
    assert 'kotahub_upstream_revalidations_total{result="not_modified",source="uji"} 1.0' in (
        metrics
    )


async def test_must_revalidate_means_no_stale_answers(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    behaviour.cache_control = f"max-age={FRESH_SECONDS:g}, must-revalidate"
    async with hub_on_clock(settings) as client:
        await gql(client, QUERY)
        behaviour.version = 2
        clock.advance(FRESH_SECONDS + 0.1)
        after = await gql(client, QUERY)
    assert spot(after)["name"] == "Pantai Uji v2" and not spot(after)["meta"]["stale"]


async def test_concurrent_misses_make_one_upstream_call(
    hub: HubFactory, settings: Settings, behaviour: Behaviour
) -> None:
    behaviour.delay_seconds = 0.3
    async with hub(settings) as client:
        bodies = await asyncio.gather(*(gql(client, QUERY) for _ in range(200)))
    assert all(spot(body)["name"] == "Pantai Uji v1" for body in bodies)
    assert behaviour.requests() == 1


async def test_past_revalidation_but_within_stale_if_error_the_upstream_is_asked_first(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    behaviour.cache_control = f"max-age={FRESH_SECONDS:g}, stale-if-error={STALE_SECONDS:g}"
    async with hub_on_clock(settings) as client:
        await gql(client, QUERY)
        behaviour.version = 2
        clock.advance(FRESH_SECONDS + 0.1)
        answered = await gql(client, QUERY)  # the upstream answers: its new data, at once
        behaviour.failing = True
        clock.advance(FRESH_SECONDS + 0.1)
        failed = await gql(client, QUERY)  # it fails: the stale answer rather than an error
    assert spot(answered)["name"] == "Pantai Uji v2" and not spot(answered)["meta"]["stale"]
    assert "errors" not in failed
    assert spot(failed)["name"] == "Pantai Uji v2" and spot(failed)["meta"]["stale"]
