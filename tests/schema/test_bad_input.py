"""Bad queries, variables and arguments get errors that say what was wrong, never tracebacks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql, only_error

SPOTS = """query ($near: NearInput, $first: Int, $after: String) {
  touristSpots(near: $near, first: $first, after: $after) { totalCount } }"""

CASES: list[tuple[str, str, dict[str, Any], str, str]] = [
    ("syntax", "{ touristSpots( }", {}, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    (
        "unknown field",
        "{ touristSpots { nope } }",
        {},
        "GRAPHQL_VALIDATION_FAILED",
        "Cannot query field 'nope' on type 'TouristSpotConnection'",
    ),
    ("variable type", SPOTS, {"first": "ten"}, "BAD_USER_INPUT", "Int cannot represent"),
    (
        "latitude",
        SPOTS,
        {"near": {"lat": 95, "lon": 116.8}},
        "BAD_USER_INPUT",
        "near.lat must be between -90 and 90, got 95",
    ),
    (
        "radius",
        SPOTS,
        {"near": {"lat": -1.2, "lon": 116.8, "radiusKm": -1}},
        "BAD_USER_INPUT",
        "near.radiusKm must be above 0",
    ),
    (
        "page size",
        SPOTS,
        {"first": 1000},
        "QUERY_LIMIT_EXCEEDED",
        "'touristSpots' asks for a page of 1000; the most one page may hold is 100",
    ),
    (
        "cursor",
        SPOTS,
        {"after": "bogus"},
        "BAD_USER_INPUT",
        "cursor 'bogus' is not one this API issued",
    ),
    (
        "node id",
        '{ node(id: "xyz") { id } }',
        {},
        "BAD_USER_INPUT",
        "id 'xyz' is not a global id this API issued",
    ),
]


@pytest.mark.parametrize(
    ("query", "variables", "code", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_bad_input_is_explained(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    query: str,
    variables: dict[str, Any],
    code: str,
    message: str,
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, query, variables)
    error = only_error(body)
    assert error["extensions"]["code"] == code
    assert message.replace("'", '"') in error["message"].replace("'", '"')


async def test_non_json_body_is_a_clear_http_error(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.post(
            "/graphql", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    error = only_error(response.json())
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert error["message"].startswith("the request body is not valid JSON")
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www"),
        (None, "none"),
    ],
)
async def test_a_body_that_is_not_json_is_refused_as_unsupported(
    hub: HubFactory, hub_settings: Callable[..., Settings], content_type: str | None, shown: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    async with hub(hub_settings()) as client:
        response = await client.post(
            "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
        )
    assert response.status_code == 415  # which also keeps cross-site HTML forms out
    error = only_error(response.json())
    assert error["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    assert f"the request body is {shown}" in error["message"]
    assert "expected Content-Type: application/json" in error["message"]
