"""Whole responses: shared by requests that must get the same answer, and by no others."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, PARTNER, api_keys
from tests.support.controlled_upstream import Behaviour
from tests.support.fake_clock import FakeClock

QUERY = "query Spots($first: Int, $after: String) { touristSpots(first: $first, after: $after) { edges { node { name description } } } }"  # noqa: E501
RELAID = """
# the same operation, laid out otherwise
query Spots($first: Int, $after: String) {
  touristSpots(first: $first, after: $after) {
    edges { node { name    description } }
  }
}"""


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour(cache_control="max-age=2")


@pytest.fixture
def settings(hub_settings: Callable[..., Settings], uji_source: dict[str, Any]) -> Settings:
    return hub_settings(sources=[uji_source], api_keys=api_keys())


async def post(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], **headers: str
) -> httpx.Response:
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response


async def test_the_same_question_however_written_gets_the_kept_answer(
    hub: HubFactory, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub(settings) as client:
        first = await post(client, QUERY, {"first": 5, "after": None})
        again = await post(client, RELAID, {"after": None, "first": 5})
        english = await post(
            client, QUERY, {"first": 5, "after": None}, **{"accept-language": "en"}
        )
        other = await post(client, QUERY, {"first": 4, "after": None})
    assert first.headers["x-kotahub-cache"] == "miss"
    assert again.headers["x-kotahub-cache"] == "hit" and again.content == first.content
    assert english.headers["x-kotahub-cache"] == "miss"  # another language, another answer
    assert other.headers["x-kotahub-cache"] == "miss"
    assert behaviour.requests() == 1  # the rest came from the kept answers


async def test_admin_requests_mutations_and_errors_are_never_kept(
    hub: HubFactory, settings: Settings
) -> None:
    broken = "{ touristSpots(first: -1) { totalCount } }"
    mutation = 'mutation { invalidateCache(source: "uji") { generation } }'
    async with hub(settings) as client:
        for _ in range(2):
            admin = await post(client, QUERY, {"first": 5}, **ADMIN)
            failed = await post(client, broken, {})
            changed = await post(client, mutation, {}, **ADMIN)
        assert admin.headers["x-kotahub-cache"] == "bypass"
        assert failed.headers["x-kotahub-cache"] == "miss" and "errors" in failed.json()
        assert changed.headers["x-kotahub-cache"] == "bypass"
        metrics = (await client.get("/metrics")).text
    assert 'kotahub_cache_requests_total{level="response",result="hit"}' not in metrics


async def test_a_partner_shares_answers_with_partners_only(
    hub: HubFactory, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub(settings) as client:
        anonymous = await post(client, QUERY, {"first": 5})
        partner = await post(client, QUERY, {"first": 5}, **PARTNER)
        again = await post(client, QUERY, {"first": 5}, **PARTNER)
    assert anonymous.headers["x-kotahub-cache"] == "miss"
    assert partner.headers["x-kotahub-cache"] == "miss"  # a scope keeps answers of its own
    assert again.headers["x-kotahub-cache"] == "hit" and again.content == partner.content
    assert behaviour.requests() == 1


async def test_an_answer_is_kept_no_longer_than_the_data_it_used(
    hub_on_clock: HubFactory, clock: FakeClock, settings: Settings, behaviour: Behaviour
) -> None:
    async with hub_on_clock(settings) as client:
        await post(client, QUERY, {"first": 5})
        behaviour.version = 2
        kept = await post(client, QUERY, {"first": 5})
        clock.advance(2.1)  # the upstream said max-age=2
        later = await post(client, QUERY, {"first": 5})
    assert kept.headers["x-kotahub-cache"] == "hit"
    assert later.headers["x-kotahub-cache"] == "miss"
    assert "Pantai Uji v1" in later.text  # stale, being refreshed: served, but not kept
    assert later.json()["extensions"]["stale"][0]["source"] == "uji"


async def test_response_cache_can_be_turned_off(
    hub: HubFactory, hub_settings: Callable[..., Settings], uji_source: dict[str, Any]
) -> None:
    source = uji_source
    async with hub(hub_settings(sources=[source], response_cache=False)) as client:
        answers = [await post(client, QUERY, {"first": 5}) for _ in range(2)]
    assert [a.headers["x-kotahub-cache"] for a in answers] == ["bypass", "bypass"]


async def test_identical_questions_asked_together_run_once(
    hub: HubFactory, settings: Settings, behaviour: Behaviour
) -> None:
    behaviour.delay_seconds = 0.3
    async with hub(settings) as client:
        answers = await asyncio.gather(*(post(client, QUERY, {"first": 5}) for _ in range(50)))
        metrics = (await client.get("/metrics")).text
    results = sorted(a.headers["x-kotahub-cache"] for a in answers)
    assert results == ["miss"] + ["shared"] * 49
    assert len({a.content for a in answers}) == 1
    assert behaviour.requests() == 1
    assert 'kotahub_cache_requests_total{level="response",result="shared"} 49.0' in metrics


async def test_a_body_over_the_limit_is_refused_unread(
    hub: HubFactory, hub_settings: Callable[..., Settings], uji_source: dict[str, Any]
) -> None:
    source = uji_source
    async with hub(hub_settings(sources=[source], max_body_bytes=2048)) as client:
        padding = "#" + "x" * 4096 + "\n"
        refused = await client.post("/graphql", json={"query": padding + QUERY})
        accepted = await client.post("/graphql", json={"query": QUERY, "variables": {}})
    assert refused.status_code == 413
    error = refused.json()["errors"][0]
    assert error["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "limit": "max_body_bytes",
        "maximum": 2048,
    }
    assert "larger than 2048 bytes" in error["message"]
    assert accepted.status_code == 200 and "errors" not in accepted.json()
