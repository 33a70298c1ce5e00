"""One request to /graphql is read once: its body at the door, each document parsed once.

What each layer reads is counted through the interpreter's profiling hook, which sees every
call of graphql-core's parser, of ``json.loads`` and of the readers of a request body,
whoever makes it (GraphQL's own engine included), and replaces nothing.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import CodeType, FrameType
from typing import Any

import graphql.language.parser
import httpx
import pytest
from starlette.datastructures import Headers
from starlette.requests import Request

from kotahub.hub.http import replies
from kotahub.hub.http.graphql_call import GraphQLCall
from kotahub.hub.http.graphql_request import GraphQLRequest, Operations
from kotahub.hub.http.media_types import prefers_graphql_response
from kotahub.hub.http.q_values import weighted
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import persisted

WATCHED: dict[CodeType, str] = {
    graphql.language.parser.parse.__code__: "documents parsed",
    json.loads.__code__: "JSON decoded",
    replies.read_body.__code__: "bodies read",
    Request.body.__code__: "bodies read",
}


@contextmanager
def counted_calls() -> Iterator[Counter[str]]:
    """The calls of WATCHED functions made in this thread (where the hub serves an ASGI
    client) while the block runs; a coroutine counts once however often it resumes."""
    counts: Counter[str] = Counter()
    frames: set[FrameType] = set()

    def profile(frame: FrameType, event: str, _: Any) -> None:
        if event == "call" and frame.f_code in WATCHED and frame not in frames:
            frames.add(frame)
            counts[WATCHED[frame.f_code]] += 1

    before = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield counts
    finally:
        sys.setprofile(before)


def new_document(name: str = "Fresh") -> str:
    """A short document no process has seen (read on the event loop, as the hook needs)."""
    return f"# {uuid.uuid4()}\nquery {name} {{ __typename sources {{ name }} }}"


async def post(client: httpx.AsyncClient, payload: Any) -> Counter[str]:
    with counted_calls() as counts:
        response = await client.post("/graphql", json=payload)
    assert response.status_code == 200 and b'"errors"' not in response.content, response.text
    return counts


@pytest.mark.parametrize("response_cache", [True, False], ids=["cached", "uncached"])
async def test_a_new_document_is_read_and_parsed_once_from_the_body_to_graphql(
    hub: HubFactory, hub_settings: Callable[..., Settings], response_cache: bool
) -> None:
    async with hub(hub_settings(response_cache=response_cache)) as client:
        counts = await post(client, {"query": new_document(), "variables": {}})
    # Before: the body read three times, decoded twice and the document parsed three times
    # (the door, the response cache's key, GraphQL).
    assert counts == {"bodies read": 1, "JSON decoded": 1, "documents parsed": 1}


async def test_a_document_seen_before_is_not_parsed_again(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    document = new_document()
    async with hub(hub_settings(response_cache=False)) as client:
        await post(client, {"query": document})
        counts = await post(client, {"query": document})
    assert counts == {"bodies read": 1, "JSON decoded": 1}


async def test_each_document_of_a_batch_is_parsed_once(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    batch = [{"query": new_document("First")}, {"query": new_document("Second")}]
    async with hub(hub_settings()) as client:
        counts = await post(client, batch)
    assert counts == {"bodies read": 1, "JSON decoded": 1, "documents parsed": 2}


async def test_a_persisted_document_asked_by_hash_over_get_runs_for_a_browser_too(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    document = new_document()
    extensions = json.dumps(persisted(document))
    async with hub(hub_settings()) as client:
        kept = await client.post(
            "/graphql", json={"query": document, "extensions": persisted(document)}
        )
        assert kept.status_code == 200 and kept.json()["data"]["sources"]
        page_or_answer = await client.get(
            "/graphql", params={"extensions": extensions}, headers={"accept": "text/html"}
        )
    assert page_or_answer.headers["content-type"] == "application/json"
    assert page_or_answer.json()["data"]["sources"]


async def test_errors_of_a_document_the_door_parsed_say_where_they_are(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:
        response = await client.post("/graphql", json={"query": "{\n  nosuchField\n}"})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["locations"] == [{"line": 2, "column": 3}]


def read(*requests: GraphQLRequest) -> GraphQLCall:
    return GraphQLCall(read=Operations(requests, batched=len(requests) > 1))


@pytest.mark.parametrize(
    ("call", "chosen", "expected"),
    [
        (GraphQLCall(), [], None),  # refused before anything was read
        (read(GraphQLRequest("query A { a }", "A")), ["A"], "A"),
        (read(GraphQLRequest("query Doc { a }")), ["Doc"], "Doc"),  # as the door chose it
        (read(GraphQLRequest("{ a }")), [None], None),
        (read(GraphQLRequest("query B { a }")), [], None),  # refused before choosing
        (read(GraphQLRequest("query A { a }", "A"), GraphQLRequest("query B { b }")), [], None),
    ],
    ids=["nothing read", "sent", "chosen", "anonymous", "not chosen", "batch"],
)
def test_the_operation_name_is_the_one_sent_else_the_one_the_door_chose(
    call: GraphQLCall, chosen: list[str | None], expected: str | None
) -> None:
    call.chosen += chosen
    assert call.operation_name() == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, [("", 1.0)]),
        ("en-US, id;q=0.5", [("en-us", 1.0), ("id", 0.5)]),
        ("Application/JSON; charset=utf-8; Q=0.2", [("application/json", 0.2)]),
        (
            "a;q=x, b;q=-1, c;q=7, d;q=nan, e;q=inf",
            [("a", 0.0), ("b", 0.0), ("c", 1.0), ("d", 0.0), ("e", 1.0)],
        ),
    ],
    ids=["none", "ranked", "parameters", "out of range"],
)
def test_q_values_are_read_one_way(header: str | None, expected: list[tuple[str, float]]) -> None:
    assert weighted(header) == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/graphql-response+json", True),
        ("application/json, application/graphql-response+json", True),
        ("application/json, application/graphql-response+json;q=0.5", False),
        ("application/graphql-response+json;Q=0", False),
        ("*/*", False),
    ],
)
def test_graphql_response_json_is_chosen_by_q_value(accept: str, expected: bool) -> None:
    assert prefers_graphql_response(Headers({"accept": accept})) is expected
