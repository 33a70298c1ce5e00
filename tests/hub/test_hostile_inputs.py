"""Over-long texts in any argument are refused at the door, named and bounded, never echoed.

Each refusal must come before anything ran: the reference upstreams' request logs must not
move. The values are built from a marker that no message would hold by chance, so that a
response quoting them shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from kotahub.records import HUB_SOURCE
from kotahub.schema.node import GlobalId
from tests.conftest import HubFactory
from tests.support.complaints import road_complaint
from tests.support.graphql import gql, only_error
from tests.support.redis_server import RedisServer
from tests.support.upstream_calls import UpstreamCount

MARK = "Zq"  # what every long value is made of
FILTERED = "query ($f: ComplaintFilter) { complaints(filter: $f) { totalCount } }"
TRACKED = "query ($id: String!) { complaint(trackingId: $id) { id deliveryStatus } }"
SUBMIT = "mutation ($i: SubmitComplaintInput!) { submitComplaint(input: $i) { trackingId } }"
ENTITIES = "query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }"


def long(chars: int) -> str:
    return (MARK * (chars // 2 + 1))[:chars]


def form(**changes: Any) -> dict[str, Any]:
    complaint = {"category": "jalan-rusak", "description": "Lubang", "address": "Jl. Minyak"}
    return complaint | changes


@dataclass(frozen=True)
class Overlong:
    """A request giving one argument more text than it takes."""

    query: str
    argument: str
    maximum: int
    actual: int
    variables: dict[str, Any] = field(default_factory=dict)
    limit: str = "max_length"  # or the setting, for an argument that declares no bound
    settings: dict[str, Any] = field(default_factory=dict)


OVERLONG = {
    "filter text, 900 KB": Overlong(
        FILTERED, "complaints(filter.text)", 200, 900_000, {"f": {"text": long(900_000)}}
    ),
    "tracking id, 900 KB": Overlong(
        TRACKED, "complaint(trackingId)", 128, 900_000, {"id": long(900_000)}
    ),
    "category, 900 KB": Overlong(
        FILTERED, "complaints(filter.category)", 128, 900_000, {"f": {"category": long(900_000)}}
    ),
    "variable inside a literal": Overlong(
        "query ($c: String) { complaints(filter: {category: $c}) { totalCount } }",
        "complaints(filter.category)",
        128,
        129,
        {"c": long(129)},
    ),
    "literal tracking id": Overlong(
        f'{{ complaint(trackingId: "{long(129)}") {{ id }} }}', "complaint(trackingId)", 128, 129
    ),
    "block string literal": Overlong(
        f'{{ complaints(filter: {{text: """{long(201)}"""}}) {{ totalCount }} }}',
        "complaints(filter.text)",
        200,
        201,
    ),
    "variable default": Overlong(
        f'query ($d: String = "{long(129)}") {{ complaints(filter: {{district: $d}}) '
        "{ totalCount } }",
        "complaints(filter.district)",
        128,
        129,
    ),
    "global id": Overlong(
        "query ($id: ID!) { node(id: $id) { id } }", "node(id)", 512, 513, {"id": long(513)}
    ),
    "cursor": Overlong(
        f'{{ touristSpots(after: "{long(65)}") {{ totalCount }} }}', "touristSpots(after)", 64, 65
    ),
    "health service words": Overlong(
        "query ($s: String) { healthFacilities(filter: {service: $s}) { totalCount } }",
        "healthFacilities(filter.service)",
        200,
        201,
        {"s": long(201)},
    ),
    "argument in a fragment": Overlong(
        "{ districts { ...Spots } } fragment Spots on District { "
        f'touristSpots(category: "{long(129)}") {{ totalCount }} }}',
        "touristSpots(category)",
        128,
        129,
    ),
    "search text, default bound": Overlong(
        "query ($t: String!) { search(text: $t) { totalCount } }",
        "search(text)",
        1000,
        1001,
        {"t": long(1001)},
        limit="max_string_length",
    ),
    "enum list item": Overlong(
        'query ($k: [SearchKind!]) { search(text: "pantai", kinds: $k) { totalCount } }',
        "search(kinds)",
        1000,
        5000,
        {"k": ["TOURIST_SPOT", long(5000)]},
        limit="max_string_length",
    ),
    "directive argument": Overlong(
        f'{{ touristSpots {{ totalCount @include(if: "{long(1001)}") }} }}',
        "@include(if)",
        1000,
        1001,
        limit="max_string_length",
    ),
    "input object key": Overlong(
        FILTERED, "complaints(filter)", 1000, 1001, {"f": {long(1001): "x"}}, "max_string_length"
    ),
    "complaint answer, in a list": Overlong(
        SUBMIT,
        "submitComplaint(input.answers.values)",
        2000,
        2001,
        {"i": form(answers=[{"code": "tingkat_kerusakan", "values": ["berat", long(2001)]}])},
    ),
    "reporter's e-mail": Overlong(
        SUBMIT,
        "submitComplaint(input.reporter.email)",
        1000,
        5000,
        {"i": form(reporter={"email": long(4988) + "@example.com"})},
        limit="max_string_length",
    ),
    "invalidateCache source": Overlong(
        f'mutation {{ invalidateCache(source: "{long(129)}") {{ generation }} }}',
        "invalidateCache(source)",
        128,
        129,
    ),
    "federation representation": Overlong(
        ENTITIES,
        "_entities(representations)",
        1000,
        1001,
        {"r": [{"__typename": "TouristSpot", "id": long(1001)}]},
        limit="max_string_length",
        settings={"federation": True},
    ),
    "a lower max_string_length": Overlong(
        "query ($t: String!) { search(text: $t) { totalCount } }",
        "search(text)",
        100,
        101,
        {"t": long(101)},
        limit="max_string_length",
        settings={"max_string_length": 100},
    ),
}


@pytest.mark.parametrize("case", OVERLONG.values(), ids=OVERLONG.keys())
async def test_an_overlong_text_is_refused_before_anything_runs(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    upstream_requests: UpstreamCount,
    case: Overlong,
) -> None:
    configured = hub_settings(rate_limits={"enabled": False}, **case.settings)
    async with hub(configured) as client:
        before = upstream_requests()
        response = await client.post(
            "/graphql", json={"query": case.query, "variables": case.variables}
        )
        assert upstream_requests() == before
    assert response.status_code == 200, response.text
    body = response.json()
    assert "data" not in body, body
    error = only_error(body)
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "limit": case.limit,
        "argument": case.argument,
        "maximum": case.maximum,
        "actual": case.actual,
    }
    assert error["message"].startswith(f"{case.argument} is given a text of {case.actual} ")
    assert f"at most {case.maximum} characters" in error["message"]
    assert MARK * 4 not in response.text  # the value is never echoed


async def test_an_overlong_text_is_refused_with_status_400_in_graphql_response_json(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.post(
            "/graphql",
            json={"query": TRACKED, "variables": {"id": long(900_000)}},
            headers={"accept": "application/graphql-response+json"},
        )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (TRACKED, {"id": "nope-" + "x" * 123}),
        (FILTERED, {"f": {"text": "jalan " * 32 + "rusak", "category": "c" * 128}}),
    ],
    ids=["tracking id", "filter"],
)
async def test_texts_within_their_bounds_run(
    hub: HubFactory, hub_settings: Callable[..., Settings], query: str, variables: dict[str, Any]
) -> None:
    async with hub(hub_settings()) as client:
        body = await gql(client, query, variables)
    codes = [error["extensions"]["code"] for error in body.get("errors") or []]
    assert "BAD_USER_INPUT" not in codes, body  # an unknown category is the source's to judge
    assert body["data"] is not None


async def test_a_long_description_is_explained_by_the_form_not_refused_at_the_door(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    explained = SUBMIT.replace("trackingId", "errors { field message }")
    async with hub(hub_settings()) as client:
        body = await gql(client, explained, {"i": road_complaint(description="x" * 4001)})
    assert body["data"]["submitComplaint"]["errors"] == [
        {"field": "description", "message": "at most 4000 characters, got 4001"}
    ]


async def test_tracking_a_complaint_while_redis_is_down_is_a_coded_error(
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    private_redis: RedisServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    configured = hub_settings(redis_url=private_redis.url, delivery_worker=False)
    tracking_id = "KH-ABCDEFGHJKLMNPQRSTUV"
    hub_id = GlobalId("Complaint", HUB_SOURCE, tracking_id).encode()
    with caplog.at_level(logging.WARNING):
        async with hub(configured) as client:
            private_redis.stop()
            answers = [
                await gql(client, TRACKED, {"id": tracking_id}),
                await gql(client, TRACKED, {"id": tracking_id}),
                await gql(client, "query ($id: ID!) { node(id: $id) { id } }", {"id": hub_id}),
            ]
            private_redis.start()
    for body, path in zip(answers, ["complaint", "complaint", "node"], strict=True):
        error = only_error(body)
        assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE"}, body
        assert error["path"] == [path]
        assert "cannot be read right now" in error["message"]
        assert body["data"] == {path: None}
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_known_document_is_checked_again_for_every_text_sent(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    """The door reads a document's own literals once; what each request sends, every time."""
    defaulted = 'query ($id: String! = "LONG") { complaint(trackingId: $id) { id } }'
    defaulted = defaulted.replace("LONG", long(200))
    literal = "query ($f: ComplaintFilter) { complaints(filter: $f) { totalCount } "
    literal += f'complaint(trackingId: "{long(200)}") {{ id }} }}'
    async with hub(hub_settings(rate_limits={"enabled": False})) as client:
        short = await gql(client, TRACKED, {"id": "short"})
        overlong = await gql(client, TRACKED, {"id": long(300)})
        overridden = await gql(client, defaulted, {"id": "short"})
        by_default = await gql(client, defaulted, {})
        with_short = await gql(client, literal, {"f": {"text": "jalan"}})
    assert short["data"] is not None
    assert only_error(overlong)["extensions"]["argument"] == "complaint(trackingId)"
    assert overridden["data"] is not None  # the long default is not what runs
    assert only_error(by_default)["extensions"]["actual"] == 200
    assert only_error(with_short)["extensions"]["actual"] == 200
