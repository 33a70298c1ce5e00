"""Hostile and careless queries are refused at the door: named limit, right status, no upstream.

Whether a refusal was cheap is read from the reference upstreams' request logs: a query the
gate refuses must not have reached any of them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error
from tests.support.hostile_documents import fragment_bomb, nearby_chain
from tests.support.upstream_calls import UPSTREAMS, UpstreamCount

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
MEGABYTE = 1_048_576


def fragment_chain(length: int) -> str:
    spreads = "".join(f"fragment F{n} on Query {{ ...F{n + 1} }}\n" for n in range(length))
    last = f"fragment F{length} on Query {{ touristSpots {{ totalCount }} }}"
    return "{ ...F0 }\n" + spreads + last


ALIASES = (
    "{ " + " ".join(f"a{n}: touristSpots(first: 1) {{ totalCount }}" for n in range(31)) + " }"
)
DIRECTIVES = "{ touristSpots { " + "totalCount @include(if: true) " * 51 + "} }"
# Commas are not tokens: each kind is one, so this is 5,100 kinds and a few more.
TOKENS = '{ search(text: "pantai", kinds: [' + "TOURIST_SPOT, " * 5100 + "]) { totalCount } }"
SPOTS = "query ($first: Int) { touristSpots(first: $first) { totalCount edges { node { id } } } }"
COSTLY = """{ touristSpots(first: 100) { edges { node {
  nearbyHealthFacilities(first: 100) { id location { lat } } } } } }"""
THREE_DEEP = """{ touristSpots(first: 100) { edges { node {
  nearbyHealthFacilities(first: 100) { nearby(first: 100) { id } } } } } }"""
INTROSPECTION = "{ __schema { queryType { name } } touristSpots { totalCount } }"


@dataclass(frozen=True)
class Hostile:
    """A query breaking one limit; ``raised`` are the settings under which it may run."""

    query: str
    limit: str
    maximum: int | None = None
    actual: int | None = None
    variables: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    raised: dict[str, Any] | None = None


HOSTILE = {
    "deep nesting": Hostile(nearby_chain(5), "max_depth", 10, 12, raised={"max_depth": 12}),
    "alias flood": Hostile(ALIASES, "max_aliases", 30, 31, raised={"max_aliases": 31}),
    "directive flood": Hostile(DIRECTIVES, "max_directives", 50, 51, raised={"max_directives": 51}),
    "token flood": Hostile(
        TOKENS,
        "max_tokens",
        5000,
        5001,
        settings={"max_query_length": 99_999},
        raised={"max_tokens": 6000, "max_query_length": 99_999},
    ),
    "page size literal": Hostile(
        "{ touristSpots(first: 101) { totalCount edges { node { id } } } }",
        "max_page_size",
        100,
        101,
        raised={"max_page_size": 101},
    ),
    "page size variable": Hostile(
        SPOTS, "max_page_size", 100, 101, {"first": 101}, raised={"max_page_size": 101}
    ),
    "page size default": Hostile(
        SPOTS.replace("$first: Int", "$first: Int = 101"),
        "max_page_size",
        100,
        101,
        raised={"max_page_size": 101},
    ),
    "cost": Hostile(COSTLY, "max_cost", 10_000, 20_201, raised={"max_cost": 20_201}),
    "introspection off": Hostile(
        INTROSPECTION,
        "introspection",
        settings={"introspection": False},
        raised={"introspection": True},
    ),
    "introspection in itself": Hostile(
        "{ __schema { types { fields { type { fields { name } } } } } "
        "touristSpots { totalCount } }",
        "introspection",
    ),
    "schema twice": Hostile(
        "{ a: __schema { types { name } } b: __schema { types { name } } "
        "touristSpots { totalCount } }",
        "introspection",
    ),
    "fragment cycle": Hostile(
        "{ ...A } fragment A on Query { touristSpots { totalCount } ...B } "
        "fragment B on Query { ...A }",
        "fragment_cycles",
    ),
    "fragment chain": Hostile(fragment_chain(600), "nesting"),
    "fragment bomb": Hostile(fragment_bomb(30, "location { lat }"), "max_cost", 10_000),
}


async def post(
    client: httpx.AsyncClient, payload: Any, accept: str = JSON, **kwargs: Any
) -> httpx.Response:
    return await client.post("/graphql", json=payload, headers={"accept": accept}, **kwargs)


def refusal(response: httpx.Response, media_type: str) -> dict[str, Any]:
    """The one error of a response that holds nothing else, in the media type asked for."""
    assert response.headers["content-type"].startswith(media_type), response.headers
    body = response.json()
    assert set(body) == {"errors"}, body
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return error


def assert_names_limit(error: dict[str, Any], case: Hostile) -> None:
    extensions = error["extensions"]
    assert extensions["code"] == "QUERY_LIMIT_EXCEEDED", error
    assert extensions["limit"] == case.limit, error
    if case.maximum is not None:
        assert extensions["maximum"] == case.maximum, error
        assert f"{case.maximum} ({case.limit})" in error["message"], error
        if case.actual is not None:
            assert extensions["actual"] == case.actual, error
        else:
            assert extensions["actual"] > case.maximum, error


@pytest.mark.parametrize("case", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_query_is_refused_before_it_runs(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    case: Hostile,
) -> None:
    payload = {"query": case.query, "variables": case.variables}
    async with hub(hub_settings(**case.settings)) as client:
        as_json = await post(client, payload)
        as_graphql = await post(client, payload, accept=GRAPHQL_RESPONSE)
    assert as_json.status_code == 200
    assert_names_limit(refusal(as_json, JSON), case)
    assert as_graphql.status_code == 400  # nothing ran: no data, and a client error
    assert_names_limit(refusal(as_graphql, GRAPHQL_RESPONSE), case)
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


RAISABLE = {name: case for name, case in HOSTILE.items() if case.raised is not None}


@pytest.mark.parametrize("case", RAISABLE.values(), ids=RAISABLE.keys())
async def test_raising_the_limit_lets_the_same_query_run(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    case: Hostile,
) -> None:
    assert case.raised is not None
    payload = {"query": case.query, "variables": case.variables}
    async with hub(hub_settings(**case.settings | case.raised)) as client:
        response = await post(client, payload)
    assert response.status_code == 200
    body = response.json()
    assert body.get("data"), body
    codes = [error["extensions"]["code"] for error in body.get("errors") or []]
    assert "QUERY_LIMIT_EXCEEDED" not in codes, body
    assert sum(upstream_requests().values()) > 0  # it really ran


async def test_three_levels_of_a_hundred_cost_a_million(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    async with hub(hub_settings()) as client:
        response = await post(client, {"query": THREE_DEEP})
    error = refusal(response, JSON)
    assert error["extensions"]["limit"] == "max_cost"
    assert error["extensions"]["actual"] >= 1_000_000
    assert f"about {error['extensions']['actual']} objects" in error["message"]
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def test_a_fragment_bomb_of_scalars_is_answered_at_once(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    """2**30 copies of one field if expanded; GraphQL merges them, so it may run."""
    async with hub(hub_settings()) as client:
        response = await post(client, {"query": fragment_bomb(30, "name")})
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["touristSpots"]["edges"][0]["node"]["name"]


async def test_a_document_nested_past_the_parser_is_refused_before_it_runs(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    query = "{ touristSpots { edges { node { " + "a { " * 1000 + "b" + " }" * 1003 + " }"
    async with hub(hub_settings()) as client:
        response = await post(client, {"query": query})
    assert response.status_code == 200
    body = response.json()
    assert body.get("data") is None
    assert len(body["errors"]) == 1, body
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert "nested too deeply" in body["errors"][0]["message"]
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def chunks(count: int, size: int, sent: list[int]) -> AsyncIterator[bytes]:
    """A JSON body of ``count * size`` bytes, counting the chunks the server pulled."""
    yield b'{"query": "{ __typename }", "padding": "'
    for _ in range(count):
        sent.append(size)
        yield b"x" * size
    yield b'"}'


async def test_a_huge_body_is_413_without_reading_the_rest(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    sent: list[int] = []
    headers = {"content-type": JSON, "accept": GRAPHQL_RESPONSE}
    async with hub(hub_settings()) as client:
        response = await client.post("/graphql", content=chunks(200, 65_536, sent), headers=headers)
    assert response.status_code == 413
    error = refusal(response, GRAPHQL_RESPONSE)
    assert error["extensions"] == {
        "code": "PAYLOAD_TOO_LARGE",
        "limit": "max_body_bytes",
        "maximum": MEGABYTE,
    }
    assert f"larger than {MEGABYTE} bytes" in error["message"]
    assert sum(sent) <= MEGABYTE + 65_536  # it stopped reading at the limit, not at 13 MB
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def test_a_larger_body_limit_lets_the_same_body_in(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = "# " + "x" * MEGABYTE + "\n{ touristSpots { totalCount } }"
    async with hub(hub_settings()) as client:
        refused = await post(client, {"query": query})
    bigger = {"max_body_bytes": 2 * MEGABYTE, "max_query_length": 2 * MEGABYTE}
    async with hub(hub_settings(**bigger)) as client:
        answered = await post(client, {"query": query})
    assert refused.status_code == 413
    assert answered.status_code == 200
    assert answered.json()["data"]["touristSpots"]["totalCount"] > 0


FLOOD = [{"query": "{ touristSpots { totalCount } }"}] * 11


@pytest.mark.parametrize("accept", [JSON, GRAPHQL_RESPONSE])
async def test_a_batched_flood_is_refused_whole(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    accept: str,
) -> None:
    async with hub(hub_settings()) as client:
        response = await post(client, FLOOD, accept=accept)
    assert response.status_code == 400
    error = refusal(response, accept)
    assert error["extensions"] == {
        "code": "QUERY_LIMIT_EXCEEDED",
        "limit": "max_batch_operations",
        "maximum": 10,
        "actual": 11,
    }
    assert "10 (max_batch_operations)" in error["message"]
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def test_a_larger_batch_limit_lets_the_same_batch_run(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings(max_batch_operations=11)) as client:
        response = await post(client, FLOOD)
    assert response.status_code == 200
    answers = response.json()
    assert len(answers) == 11
    assert all(answer["data"]["touristSpots"]["totalCount"] > 0 for answer in answers)


async def test_one_hostile_operation_refuses_its_whole_batch(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    batch = [{"query": "{ touristSpots { totalCount } }"}, {"query": nearby_chain(5)}]
    async with hub(hub_settings()) as client:
        response = await post(client, batch)
    error = refusal(response, JSON)
    assert error["extensions"]["limit"] == "max_depth"
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def test_a_hostile_query_over_get_is_refused_alike(
    hub: HubFactory, hub_settings: Callable[..., Settings], upstream_requests: UpstreamCount
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.get(
            "/graphql", params={"query": ALIASES}, headers={"accept": GRAPHQL_RESPONSE}
        )
    assert response.status_code == 400
    assert_names_limit(refusal(response, GRAPHQL_RESPONSE), HOSTILE["alias flood"])
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # Past Python's recursion limit; deeper still is more values than max_json_values.
        (b"[" * 5_000 + b"]" * 5_000, "nests arrays and objects more than 64 levels"),
        (
            b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 65 + b"]" * 65 + b"}}",
            "nests arrays and objects more than 64 levels",
        ),
        (
            b'{"query": "{ __typename }", "operationName": "\\ud800"}',
            "a lone surrogate",
        ),
    ],
    ids=["deep body", "deep variables", "lone surrogate"],
)
async def test_json_no_layer_could_read_is_a_clear_400(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    body: bytes,
    message: str,
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.post("/graphql", content=body, headers={"content-type": JSON})
    assert response.status_code == 400
    error = refusal(response, JSON)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert message in error["message"]
    assert upstream_requests() == dict.fromkeys(UPSTREAMS, 0)


async def test_a_batch_hidden_behind_a_byte_order_mark_is_not_kept_as_one_answer(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    spots = "{ touristSpots(first: 2) { edges { node { name } } } }"
    batch = json.dumps([{"query": spots}, {"query": "{ emergencyContacts { number } }"}])
    async with hub(hub_settings()) as client:
        sneaky = await client.post(
            "/graphql",
            content=b"\xef\xbb\xbf" + batch.encode(),
            headers={"content-type": "application/json"},
        )
        honest = await client.post("/graphql", json={"query": spots})
    assert sneaky.status_code == 200 and isinstance(sneaky.json(), list)
    assert len(sneaky.json()) == 2  # the whole batch ran, as a batch
    assert sneaky.headers["x-kotahub-cache"] == "bypass"
    assert isinstance(honest.json(), dict) and honest.json()["data"]["touristSpots"]


async def test_many_fields_are_refused_before_validation_compares_them_pairwise(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = "{ touristSpots(first: 1) { edges { node { " + "location { lat } " * 100 + "} } } }"
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert error["extensions"] == {
        "code": "QUERY_LIMIT_EXCEEDED",
        "limit": "max_fields",
        "maximum": 200,
        "actual": 203,
    }


async def test_a_long_document_is_refused_before_it_is_parsed(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = '{ search(text: "' + "x" * 40_000 + '") { totalCount } }'  # a handful of tokens
    async with hub(hub_settings()) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert error["extensions"]["limit"] == "max_query_length"
    assert error["extensions"]["maximum"] == 32_768


async def test_a_page_size_of_thousands_of_digits_is_refused_not_crashed_on(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    query = "{ touristSpots(first: " + "9" * 5000 + ") { totalCount } }"
    async with hub(hub_settings(max_tokens=6000)) as client:
        body = await gql(client, query)
    error = only_error(body)
    assert error["extensions"]["limit"] == "max_page_size"


async def test_a_syntax_error_is_answered_at_the_door_with_its_location(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, "{ touristSpots( }")
    error = only_error(body)
    assert error["extensions"] == {"code": "GRAPHQL_PARSE_FAILED"}
    assert error["message"].startswith("Syntax Error")
    assert error["locations"] == [{"line": 1, "column": 17}]
