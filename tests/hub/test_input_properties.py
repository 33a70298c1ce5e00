"""Whatever a client sends, the hub answers in GraphQL's shape: never a 500, never internals.

Property-based (hypothesis). One hub serves all the examples of a test: starting one per
example would make the file slow, and no example leaves state another depends on, which is
why the function-scoped-fixture health check is suppressed.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import UPSTREAMS

MEDIA_TYPES = ("application/json", "application/graphql-response+json")
INTERNALS = ("Traceback", 'File "', "/kotahub/")
# Low enough that random selections break them often, and run often too.
STRICT = {"max_aliases": 6, "max_depth": 7}

examples = settings(
    max_examples=60,
    deadline=None,
    database=None,  # examples depend on a live hub; nothing worth replaying is stored
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and ±Infinity too, which Python's JSON writes and reads
    st.text(st.characters(exclude_categories=()), max_size=20),  # lone surrogates too
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)
TOKENS = [
    "{", "}", "(", ")", "[", "]", ":", "...", "on", "fragment", "query", "mutation", "F",
    "touristSpots", "healthFacilities", "edges", "node", "id", "name", "first:", "after:",
    "1", "-1", "101", "$x", "$x: Int", "@include(if: true)", "@skip(if: $x)", "a:", "__schema",
    "__type", "__typename", "types", "fields", '"s"', "TouristSpot", "nearby", "item", "#",
]  # fmt: skip
documents = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join),
)
operations = st.fixed_dictionaries(
    {},
    optional={
        "query": documents | json_values,
        "operationName": st.none() | st.text(max_size=8) | json_values,
        "variables": st.none() | st.dictionaries(st.text(max_size=5), json_values, max_size=3),
        "extensions": st.none() | json_values,
    },
)
bodies = st.one_of(operations, st.lists(operations, max_size=12), json_values)
accepts = st.sampled_from([*MEDIA_TYPES, "*/*", "text/html", "application/json;q=0.1, */*"])


@pytest.fixture
async def client(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    """One hub for every example of a test; rate limits off, since examples come fast."""
    async with hub(hub_settings(rate_limits={"enabled": False})) as client:
        yield client


@pytest.fixture
async def strict_client(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    async with hub(hub_settings(rate_limits={"enabled": False}, **STRICT)) as client:
        yield client


async def post(
    client: httpx.AsyncClient, payload: Any, accept: str = "application/json"
) -> httpx.Response:
    """POSTs ``payload`` as Python writes JSON: NaN and Infinity too, as careless clients do."""
    headers = {"content-type": "application/json", "accept": accept}
    return await client.post("/graphql", content=json.dumps(payload).encode(), headers=headers)


def assert_answered_cleanly(response: httpx.Response) -> list[dict[str, Any]]:
    """A GraphQL response (or a batch of them) in JSON, whatever went wrong; its answers."""
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].split(";")[0] in MEDIA_TYPES, response.headers
    for internal in INTERNALS:
        assert internal not in response.text, response.text
    body = response.json()
    answers = body if isinstance(body, list) else [body]
    for answer in answers:
        assert isinstance(answer, dict) and answer.keys() & {"data", "errors"}, body
        assert answer.keys() <= {"data", "errors", "extensions"}, body
        for error in answer.get("errors") or []:
            assert isinstance(error["message"], str) and error["message"], body
            assert error["extensions"]["code"], body
    if response.status_code >= 400:
        assert isinstance(body, dict) and body.get("errors") and "data" not in body, body
    return answers


@given(body=bodies, accept=accepts)
@examples
async def test_any_json_body_is_answered_in_graphqls_shape(
    client: httpx.AsyncClient, body: Any, accept: str
) -> None:
    assert_answered_cleanly(await post(client, body, accept))


@given(raw=st.binary(max_size=60) | documents.map(str.encode))
@examples
async def test_any_bytes_are_answered_in_graphqls_shape(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    headers = {"content-type": "application/json"}
    response = await client.post("/graphql", content=raw, headers=headers)
    assert response.status_code == 400  # none of it is a JSON object with a query
    assert_answered_cleanly(response)


@given(query=documents)
@examples
async def test_any_string_as_a_document_is_answered_in_graphqls_shape(
    client: httpx.AsyncClient, query: str
) -> None:
    response = await post(client, {"query": query})
    assert response.status_code == (400 if query == "" else 200)
    (answer,) = assert_answered_cleanly(response)
    assert answer.get("data") is not None or answer["errors"]


SPOTS = """query ($first: Int, $after: String, $near: NearInput) {
  touristSpots(first: $first, after: $after, near: $near) {
    totalCount edges { cursor node { id name distanceKm } } pageInfo { hasNextPage endCursor }
  }
}"""
numbers = st.integers(min_value=-(2**40), max_value=2**40) | st.floats()
near = st.fixed_dictionaries(
    {"lat": numbers, "lon": numbers}, optional={"radiusKm": numbers | st.none()}
)
spot_variables = st.fixed_dictionaries(
    {},
    optional={
        "first": st.none() | st.integers(min_value=-5, max_value=120) | numbers | json_values,
        "after": st.none() | st.text(max_size=30) | st.binary(max_size=20).map(bytes.hex),
        "near": st.none() | near | json_values,
    },
)


@given(variables=spot_variables)
@examples
async def test_any_variables_of_a_real_query_are_answered(
    client: httpx.AsyncClient, variables: dict[str, Any]
) -> None:
    response = await post(client, {"query": SPOTS, "variables": variables})
    assert response.status_code == 200
    (answer,) = assert_answered_cleanly(response)
    event(" ".join(sorted({e["extensions"]["code"] for e in answer.get("errors") or []})) or "ran")
    if not answer.get("errors"):
        spots = answer["data"]["touristSpots"]
        assert isinstance(spots["totalCount"], int)
        first = variables.get("first")
        if isinstance(first, int) and not isinstance(first, bool):
            assert len(spots["edges"]) <= first


@dataclass(frozen=True)
class Selection:
    """A tourist spot's selection: some fields, and some aliased searches nearby."""

    fields: tuple[str, ...]
    nearby: tuple[tuple[str | None, int, Selection], ...]

    def render(self) -> str:
        parts = list(self.fields)
        for alias, first, inner in self.nearby:
            named = f"{alias}: nearby" if alias else "nearby"
            item = f"item {{ ... on TouristSpot {{ {inner.render()} }} }}"
            parts.append(f"{named}(first: {first}) {{ id {item} }}")
        return " ".join(parts)

    def depth(self) -> int:
        """Levels of fields below the spot itself, as the hub counts them."""
        own = 2 if "location { lat }" in self.fields else 1
        return max([own, *(2 + inner.depth() for _, _, inner in self.nearby)])

    def aliases(self) -> int:
        return sum(bool(alias) + inner.aliases() for alias, _, inner in self.nearby)


scalar_fields = st.lists(
    st.sampled_from(["id", "name", "location { lat }"]), min_size=1, max_size=3
)
alias_names = st.none() | st.from_regex(r"n[0-9]{1,2}", fullmatch=True)
selections = st.recursive(
    st.builds(Selection, scalar_fields.map(tuple), st.just(())),
    lambda inner: st.builds(
        Selection,
        st.just(("id",)),
        st.lists(
            st.tuples(alias_names, st.integers(0, 3), inner),
            min_size=1,
            max_size=8,
            unique_by=lambda nearby: nearby[0] or "nearby",  # one unaliased nearby at most
        ).map(tuple),
    ),
    max_leaves=24,
)


@pytest.fixture
def upstream_requests(demo_server: ThreadedServer) -> Callable[[], int]:
    logs = [getattr(demo_server.app.state, name).state.request_log for name in UPSTREAMS]
    return lambda: sum(log.count() for log in logs)


@given(selection=selections)
@settings(examples, max_examples=30)
async def test_nesting_and_aliases_are_refused_exactly_when_they_break_a_limit(
    strict_client: httpx.AsyncClient, upstream_requests: Callable[[], int], selection: Selection
) -> None:
    query = f"{{ touristSpots(first: 2) {{ edges {{ node {{ {selection.render()} }} }} }} }}"
    before = upstream_requests()
    response = await post(strict_client, {"query": query})
    (answer,) = assert_answered_cleanly(response)
    depth, aliases = 3 + selection.depth(), selection.aliases()
    codes = [error["extensions"]["code"] for error in answer.get("errors") or []]
    if "QUERY_LIMIT_EXCEEDED" in codes:
        assert upstream_requests() == before  # refused before anything ran
        (error,) = answer["errors"]
        limit = error["extensions"]["limit"]
        event(f"refused: {limit}")
        assert error["extensions"]["actual"] > error["extensions"]["maximum"]
        if aliases > STRICT["max_aliases"]:
            assert (limit, error["extensions"]["actual"]) == ("max_aliases", aliases)
        elif limit == "max_depth":
            assert error["extensions"]["actual"] == depth
    else:
        event("ran")
        assert aliases <= STRICT["max_aliases"] and depth <= STRICT["max_depth"], answer
        assert answer["data"]["touristSpots"]["edges"], answer
