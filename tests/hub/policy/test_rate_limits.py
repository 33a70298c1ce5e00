"""Fair use: each client's operations counted against its limit, in Redis or, without it, here."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.errors import ConfigError
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings, load_settings
from tests.conftest import HubFactory
from tests.support.api_keys import ADMIN, PARTNER, PARTNER_KEY, api_keys
from tests.support.complaints import SUBMIT, road_complaint
from tests.support.redis_server import RedisServer

QUERY = "{ emergencyContacts { number } }"


@pytest.fixture
def limited(hub_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    """Settings with the test keys, no delivery worker, and the given rate limits."""

    def make(**limits: Any) -> Settings:
        return hub_settings(api_keys=api_keys(), delivery_worker=False, rate_limits=limits)

    return make


async def ask(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    return await client.post("/graphql", json={"query": QUERY}, headers=headers)


async def submit(client: httpx.AsyncClient, **headers: str) -> httpx.Response:
    payload = {"query": SUBMIT, "variables": {"input": road_complaint()}}
    return await client.post("/graphql", json=payload, headers=headers)


def refused(response: httpx.Response) -> dict[str, Any]:
    """The one error of a 429, checked for its Retry-After; its extensions."""
    assert response.status_code == 429, response.text
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit() and 1 <= int(retry_after) <= 3600
    body = response.json()
    assert "data" not in body
    (error,) = body["errors"]
    extensions: dict[str, Any] = error["extensions"]
    assert extensions["code"] == "RATE_LIMITED"
    assert extensions["retryAfter"] == int(retry_after)
    assert f"try again in {retry_after} s" in error["message"]
    return extensions


async def test_an_anonymous_client_is_refused_past_its_limit_and_told_when_to_return(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(anonymous="3/minute")) as client:
        allowed = [await ask(client) for _ in range(3)]
        over = await ask(client)
    assert [response.status_code for response in allowed] == [200, 200, 200]
    assert all("errors" not in response.json() for response in allowed)
    assert refused(over)["limit"] == "3 per 1 minute"
    assert over.json()["errors"][0]["message"].startswith(
        "too many operations: the limit is 3 per 1 minute for this client"
    )


async def test_keyed_clients_are_counted_by_key_with_their_higher_limits(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    bearer = {"authorization": f"Bearer {PARTNER_KEY}"}
    async with hub(limited(anonymous="2/minute", partner="4/minute", admin="1/minute")) as client:
        anonymous = [(await ask(client)).status_code for _ in range(3)]
        # The same address, but the partner's own count, whichever way the key is sent.
        partner = [(await ask(client, **PARTNER)).status_code for _ in range(2)]
        partner += [(await ask(client, **bearer)).status_code for _ in range(3)]
        admin = [(await ask(client, **ADMIN)).status_code for _ in range(2)]
        anonymous_again = await ask(client)
    assert anonymous == [200, 200, 429]
    assert partner == [200, 200, 200, 200, 429]
    assert admin == [200, 429]
    assert refused(anonymous_again)["limit"] == "2 per 1 minute"


async def test_a_batch_counts_each_of_its_operations(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    batch = [{"query": QUERY}] * 3
    async with hub(limited(anonymous="5/minute")) as client:
        first = await client.post("/graphql", json=batch)
        second = await client.post("/graphql", json=batch)  # 6 would be over: all refused
        singles = [(await ask(client)).status_code for _ in range(3)]
    assert first.status_code == 200 and len(first.json()) == 3
    refused(second)
    # Every request is counted once before it is read, the refused batch too (4 of 5).
    assert singles == [200, 429, 429]


async def test_a_request_is_counted_before_its_body_is_read(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(anonymous="2/minute")) as client:
        broken = [
            await client.post(
                "/graphql", content=b"{not json", headers={"content-type": "application/json"}
            )
            for _ in range(2)
        ]
        over = await ask(client)
    assert [response.status_code for response in broken] == [400, 400]
    refused(over)


async def test_submissions_have_a_stricter_limit_while_queries_still_pass(
    hub: HubFactory, limited: Callable[..., Settings], redis_url: str
) -> None:
    settings = limited(submit_anonymous="2/minute")
    async with hub(settings) as client:
        submitted = [await submit(client) for _ in range(2)]
        over = await submit(client)
        query = await ask(client)
    async with Redis.from_url(redis_url) as redis:
        queued = await redis.xlen(f"{settings.cache_prefix}:outbox")
    assert all(r.json()["data"]["submitComplaint"]["trackingId"] for r in submitted)
    extensions = refused(over)
    assert extensions["limit"] == "2 per 1 minute"
    assert over.json()["errors"][0]["message"].startswith("too many complaint submissions")
    assert query.status_code == 200 and "errors" not in query.json()
    assert queued == 2  # the refused complaint was not recorded


async def test_a_partner_submits_under_its_own_limit(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(submit_anonymous="1/minute", submit_partner="3/minute")) as client:
        anonymous = [(await submit(client)).status_code for _ in range(2)]
        partner = [(await submit(client, **PARTNER)).status_code for _ in range(4)]
    assert anonymous == [200, 429]
    assert partner == [200, 200, 200, 429]


@pytest.mark.parametrize(
    "mutation",
    [
        "mutation($input: SubmitComplaintInput!) { ...Filing }\n"
        "fragment Filing on Mutation { submitComplaint(input: $input) { trackingId } }",
        "mutation($input: SubmitComplaintInput!) {\n"
        "  ... on Mutation { submitComplaint(input: $input) { trackingId } } }",
        "mutation($input: SubmitComplaintInput!) {\n"
        "  ... { a: submitComplaint(input: $input) { trackingId } } }",
    ],
    ids=["fragment", "inline-fragment", "untyped-inline-fragment"],
)
async def test_a_submission_inside_a_fragment_counts_as_one(
    hub: HubFactory, limited: Callable[..., Settings], mutation: str
) -> None:
    payload = {"query": mutation, "variables": {"input": road_complaint()}}
    async with hub(limited(submit_anonymous="1/minute")) as client:
        first = await client.post("/graphql", json=payload)
        second = await client.post("/graphql", json=payload)
    assert first.json()["data"], first.text
    refused(second)


async def test_with_redis_down_the_limit_is_counted_here_and_still_holds(
    hub: HubFactory,
    limited: Callable[..., Settings],
    private_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Per hour: the in-process windows follow the clock, and a test must not straddle two.
    update = {"redis_url": private_redis.url, "redis_retry_seconds": 0.3}
    settings = limited(anonymous="3/hour").model_copy(update=update)
    async with hub(settings) as client:
        assert (await ask(client)).status_code == 200
        private_redis.stop()
        with caplog.at_level(logging.WARNING, logger="kotahub.limits"):
            statuses = [(await ask(client)).status_code for _ in range(4)]
            over = await ask(client)
            private_redis.start()
            await asyncio.sleep(0.4)  # after a failure, Redis is tried again this much later
            back = await ask(client)  # a new Redis: nothing counted there yet
    # This process counts from when Redis failed: the one Redis counted is not known here.
    assert statuses == [200, 200, 200, 429]
    refused(over)
    assert back.status_code == 200
    said = [record.getMessage() for record in caplog.records if record.name == "kotahub.limits"]
    assert len(said) == 2  # once each way, not once a request
    assert said[0].startswith("rate limits counted in this process: Redis failed (")
    assert said[1] == "rate limits counted in Redis again"


async def test_rate_limits_can_be_turned_off(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(enabled=False, anonymous="1/minute", submit_anonymous="1/minute")) as c:
        statuses = [(await ask(c)).status_code for _ in range(5)]
        statuses += [(await submit(c)).status_code for _ in range(3)]
    assert statuses == [200] * 8


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("anonymous", "lots"),
        ("partner", "3000 per fortnight"),
        ("submit_anonymous", "5/minute;20/aeon"),
        ("submit_partner", ""),
    ],
)
def test_an_invalid_limit_stops_start_up_naming_the_setting(
    tmp_path: Path, setting: str, value: str
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'[rate_limits]\n{setting} = "{value}"\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    message = str(raised.value)
    assert message.startswith(f"invalid setting 'rate_limits.{setting}' in '{config}'")
    assert f"got {value!r}" in message
    assert "expected limits such as '300/minute' or '5/minute;20/hour'" in message


def test_an_unknown_rate_limit_setting_stops_start_up(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[rate_limits]\nanonymus = "10/minute"\n')
    with pytest.raises(ConfigError, match=r"invalid setting 'rate_limits\.anonymus'"):
        load_settings(config)


async def test_wrong_keys_count_against_the_address_so_that_guessing_is_slow(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(anonymous="3/minute")) as client:
        guesses = [await ask(client, **{"x-api-key": f"kh_guess-{n}"}) for n in range(3)]
        over = await ask(client, **{"x-api-key": "kh_guess-4"})
        anonymous = await ask(client)
        partner = await ask(client, **PARTNER)  # a real key has its own count
    assert [response.status_code for response in guesses] == [401, 401, 401]
    refused(over)
    refused(anonymous)
    assert partner.status_code == 200


async def test_an_ipv6_client_is_counted_by_its_slash_64(
    limited: Callable[..., Settings],
) -> None:
    app = create_app(limited(anonymous="2/minute"))

    async def status_from(address: str) -> int:
        transport = httpx.ASGITransport(app=app, client=(address, 4321))
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            return (await ask(client)).status_code

    async with app.router.lifespan_context(app):
        same_subscriber = [
            await status_from(a) for a in ("2001:db8:1:2::1", "2001:db8:1:2::ab", "2001:db8:1:2::f")
        ]
        next_door = await status_from("2001:db8:1:3::1")
    assert same_subscriber == [200, 200, 429]  # inventing addresses in one /64 gains nothing
    assert next_door == 200


async def test_requests_arriving_at_once_are_admitted_exactly_up_to_the_limit(
    hub: HubFactory, limited: Callable[..., Settings]
) -> None:
    async with hub(limited(anonymous="10/minute")) as client:
        answers = await asyncio.gather(*(ask(client) for _ in range(30)))
    statuses = [answer.status_code for answer in answers]
    assert statuses.count(200) == 10 and statuses.count(429) == 20
