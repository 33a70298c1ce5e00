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
        "BAD_USER_INPUT",
        "'first' must be between 0 and 100, got 1000",
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
    assert "JSON" in response.text and "Traceback" not in response.text
