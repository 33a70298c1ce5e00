"""The shape of an operation measured before it runs: depth, page sizes, cost, introspection."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import GraphQLSchema, OperationDefinitionNode, get_introspection_query, parse

from kotahub.hub.http.operation import chosen_operation
from kotahub.hub.pages.examples import PLAYGROUND_EXAMPLES
from kotahub.hub.pages.playground import PlaygroundExample
from kotahub.hub.policy.query_cost import CostLimits, Shape, measure
from kotahub.hub.policy.query_limits import LimitExceeded, QueryLimits, check_limits
from kotahub.schema.build import build_schema
from tests.support.hostile_documents import fragment_bomb, nearby_chain

DEFAULTS = CostLimits(default_page_size=20, list_size=10, introspection=True)
# first: 100 on three levels: spots, their nearest facilities, the places near each of those.
THREE_DEEP = """{ touristSpots(first: 100) { edges { node {
  nearbyHealthFacilities(first: 100) { nearby(first: 100) { id } } } } } }"""


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def shape_of(
    schema: GraphQLSchema,
    query: str,
    variables: dict[str, Any] | None = None,
    limits: CostLimits = DEFAULTS,
) -> Shape:
    document = parse(query)
    operation = chosen_operation(document, None)
    assert isinstance(operation, OperationDefinitionNode), operation
    return measure(schema, document, operation, variables or {}, limits)


def verdict(
    schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None, **limits: Any
) -> LimitExceeded | None:
    document = parse(query)
    operation = chosen_operation(document, None)
    assert isinstance(operation, OperationDefinitionNode), operation
    return check_limits(schema, document, operation, variables, QueryLimits(**limits))


def test_depth_counts_levels_of_fields(schema: GraphQLSchema) -> None:
    query = "{ touristSpots { totalCount edges { node { location { lat } } } } }"
    assert shape_of(schema, query).depth == 5


@pytest.mark.parametrize(
    "query",
    [
        "{ touristSpots { ...Edges } } fragment Edges on TouristSpotConnection "
        "{ edges { node { location { lat } } } }",
        "{ touristSpots { ... on TouristSpotConnection { edges { node { location { lat } } } } } }",
        "{ touristSpots { edges { ...Node } } } fragment Node on TouristSpotEdge "
        "{ node { ... on TouristSpot { ...Where } } } fragment Where on TouristSpot "
        "{ location { lat } }",
    ],
    ids=["fragment", "inline fragment", "fragments in fragments"],
)
def test_depth_counts_fields_inside_fragments(schema: GraphQLSchema, query: str) -> None:
    assert shape_of(schema, query).depth == 5


def test_too_deep_is_refused_with_the_limit_and_the_depth(schema: GraphQLSchema) -> None:
    assert shape_of(schema, nearby_chain(4)).depth == 10
    assert verdict(schema, nearby_chain(4)) is None
    exceeded = verdict(schema, nearby_chain(5))
    assert exceeded is not None
    assert (exceeded.limit, exceeded.maximum, exceeded.actual) == ("max_depth", 10, 12)
    assert "12 levels of fields" in exceeded.message and "(max_depth)" in exceeded.message
    assert verdict(schema, nearby_chain(5), max_depth=12) is None


def test_page_sizes_multiply_through_the_nesting(schema: GraphQLSchema) -> None:
    shape = shape_of(schema, THREE_DEEP)
    assert shape.cost >= 100 * 100 * 100
    assert shape.largest_page == 100
    exceeded = verdict(schema, THREE_DEEP)
    assert exceeded is not None
    assert (exceeded.limit, exceeded.maximum, exceeded.actual) == ("max_cost", 10_000, shape.cost)
    assert "(max_cost)" in exceeded.message
    assert verdict(schema, THREE_DEEP, max_cost=shape.cost) is None


def test_connection_edges_are_not_counted_twice(schema: GraphQLSchema) -> None:
    """A page of 100 is 100 edges and their 100 nodes: not 100 pages of 100."""
    query = "{ touristSpots(first: 100) { totalCount edges { cursor node { id } } } }"
    assert 100 <= shape_of(schema, query).cost <= 1 + 2 * 100
    with_page_info = query.replace("totalCount", "totalCount pageInfo { hasNextPage }")
    assert shape_of(schema, with_page_info).cost == shape_of(schema, query).cost + 1


SPOTS = "touristSpots(first: {first}) {{ edges {{ node {{ location {{ lat }} }} }} }}"


def by_variable(default: str = "") -> str:
    return f"query ($first: Int{default}) {{ {SPOTS.format(first='$first')} }}"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (by_variable(), {"first": 7}),
        (by_variable(" = 7"), {}),
        (by_variable(), {"first": 7.0}),
        (by_variable(" = 50"), {"first": 7}),
    ],
    ids=["variable", "variable's default", "integral float", "variable beats default"],
)
def test_a_page_size_in_a_variable_counts_as_written(
    schema: GraphQLSchema, query: str, variables: dict[str, Any]
) -> None:
    literal = shape_of(schema, "{ " + SPOTS.format(first=7) + " }")
    shape = shape_of(schema, query, variables)
    assert (shape.largest_page, shape.cost) == (7, literal.cost)


def test_an_absent_page_size_is_the_default_page_size(schema: GraphQLSchema) -> None:
    absent = "{ touristSpots { edges { node { location { lat } } } } }"
    shape = shape_of(schema, absent)
    assert shape.largest_page == 20
    assert shape.cost == shape_of(schema, "{ " + SPOTS.format(first=20) + " }").cost
    wider = CostLimits(default_page_size=40, list_size=10, introspection=True)
    assert shape_of(schema, absent, limits=wider).cost == (
        shape_of(schema, "{ " + SPOTS.format(first=40) + " }").cost
    )
    explicit_null = "query ($first: Int = 90) { touristSpots(first: $first) { totalCount } }"
    assert shape_of(schema, explicit_null, {"first": None}).largest_page == 20


def test_an_absent_page_size_takes_the_fields_own_default(schema: GraphQLSchema) -> None:
    """``nearbyHealthFacilities(first: Int! = 5)``: five per spot, not the default page."""
    query = "{ touristSpots(first: 1) { edges { node { nearbyHealthFacilities { id } } } } }"
    five = query.replace("nearbyHealthFacilities", "nearbyHealthFacilities(first: 5)")
    assert shape_of(schema, query).cost == shape_of(schema, five).cost


def test_lists_count_as_long_as_they_declare(schema: GraphQLSchema) -> None:
    few = CostLimits(default_page_size=20, list_size=3, introspection=True)
    # Query.dimensions declares 6, Dimension.programs declares nothing (list_size_estimate),
    # Program.indicators declares 5, Indicator.series declares 12.
    query = "{ dimensions { programs { indicators { series { value } } } } }"
    assert shape_of(schema, query).cost == 6 + 6 * (10 + 10 * (5 + 5 * 12))
    assert shape_of(schema, query, limits=few).cost == 6 + 6 * (3 + 3 * (5 + 5 * 12))
    assert shape_of(schema, "{ dimensions { code } }", limits=few).cost == 6
    assert shape_of(schema, "{ complaintCategories { code } }").cost == 10
    assert shape_of(schema, "{ complaintCategories { code } }", limits=few).cost == 3


@pytest.mark.parametrize("example", PLAYGROUND_EXAMPLES, ids=lambda e: e.title)
def test_every_playground_example_keeps_the_default_limits(
    schema: GraphQLSchema, example: PlaygroundExample
) -> None:
    variables = json.loads(example.variables) if example.variables else None
    assert verdict(schema, example.query, variables) is None


@pytest.mark.parametrize(
    "options",
    [
        {"descriptions": True},
        {
            "descriptions": True,
            "specified_by_url": True,
            "directive_is_repeatable": True,
            "schema_description": True,
            "input_value_deprecation": True,
        },
    ],
    ids=["graphiql", "every option"],
)
def test_the_standard_introspection_query_is_allowed(
    schema: GraphQLSchema, options: dict[str, bool]
) -> None:
    assert verdict(schema, get_introspection_query(**options)) is None


@pytest.mark.parametrize(
    "query",
    [
        "{ __schema { types { fields { type { fields { name } } } } } }",
        '{ __type(name: "Query") { fields { type { ...More } } } }'
        " fragment More on __Type { fields { name } }",
        "{ __schema { types { interfaces { possibleTypes { interfaces { name } } } } } }",
    ],
    ids=["fields in fields", "through a fragment", "interfaces in interfaces"],
)
def test_introspection_nesting_a_list_in_itself_is_refused(
    schema: GraphQLSchema, query: str
) -> None:
    exceeded = verdict(schema, query)
    assert exceeded is not None
    assert exceeded.limit == "introspection"
    assert "inside" in exceeded.message


def test_schema_twice_in_one_operation_is_refused(schema: GraphQLSchema) -> None:
    query = "{ a: __schema { queryType { name } } b: __schema { queryType { name } } }"
    exceeded = verdict(schema, query)
    assert exceeded is not None
    assert exceeded.limit == "introspection"
    assert "__schema may be asked for once" in exceeded.message


@pytest.mark.parametrize(
    "query", ['{ __type(name: "Query") { name } }', "{ __schema { queryType { name } } }"]
)
def test_introspection_turned_off_is_refused(schema: GraphQLSchema, query: str) -> None:
    exceeded = verdict(schema, query, introspection=False)
    assert exceeded is not None
    assert exceeded.limit == "introspection"
    assert "introspection = false" in exceeded.message
    assert verdict(schema, "{ __typename }", introspection=False) is None


def test_fragment_cycles_are_refused_by_name(schema: GraphQLSchema) -> None:
    query = "{ ...A } fragment A on Query { ...B } fragment B on Query { __typename ...A }"
    exceeded = verdict(schema, query)
    assert exceeded is not None
    assert exceeded.limit == "fragment_cycles"
    assert "A → B → A" in exceeded.message


def test_a_fragment_bomb_is_measured_without_expanding_it(schema: GraphQLSchema) -> None:
    exceeded = verdict(schema, fragment_bomb(30, "location { lat }"))
    assert exceeded is not None
    assert exceeded.limit == "max_cost"
    assert exceeded.actual is not None and exceeded.actual >= 2**30
    # Scalars cost nothing, and GraphQL merges the copies: this one may run.
    assert verdict(schema, fragment_bomb(30, "name")) is None


def test_fragments_chained_past_any_real_need_are_refused(schema: GraphQLSchema) -> None:
    """Each definition is shallow, so the parser lets them by; the chain is the problem."""

    def chain(length: int) -> str:
        spreads = "".join(f"fragment F{n} on Query {{ ...F{n + 1} }}\n" for n in range(length))
        return "{ ...F0 }\n" + spreads + f"fragment F{length} on Query {{ __typename }}"

    assert verdict(schema, chain(100)) is None
    exceeded = verdict(schema, chain(600))
    assert exceeded is not None
    assert exceeded.limit == "nesting"
    introspective = chain(100).replace("__typename", "__schema { ...S0 }") + "".join(
        f"\nfragment S{n} on __Schema {{ ...S{n + 1} }}" for n in range(100)
    )
    exceeded = verdict(schema, introspective + "\nfragment S100 on __Schema { description }")
    assert exceeded is not None
    assert exceeded.limit == "introspection"


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("{ touristSpots(first: 101) { totalCount } }", None),
        ("query ($n: Int) { touristSpots(first: $n) { totalCount } }", {"n": 101}),
        ("query ($n: Int = 101) { touristSpots(first: $n) { totalCount } }", None),
        ("query ($n: Int) { touristSpots(first: $n) { totalCount } }", {"n": 101.0}),
    ],
    ids=["literal", "variable", "variable's default", "integral float"],
)
def test_a_page_over_the_largest_is_refused(
    schema: GraphQLSchema, query: str, variables: dict[str, Any] | None
) -> None:
    exceeded = verdict(schema, query, variables)
    assert exceeded is not None
    assert (exceeded.limit, exceeded.maximum, exceeded.actual) == ("max_page_size", 100, 101)
    assert "'touristSpots' asks for a page of 101" in exceeded.message
    assert verdict(schema, query, variables, max_page_size=101) is None


@pytest.fixture(scope="module")
def federated() -> GraphQLSchema:
    return build_schema(federation=True)._schema


SPOT = {"__typename": "TouristSpot", "id": "x"}
# Each spot resolves itself and up to five facilities.
NEARBY_OF_ENTITIES = """query ($r: [_Any!]!) { _entities(representations: $r) {
  ... on TouristSpot { nearbyHealthFacilities(first: 5) { name } } } }"""


def test_entities_cost_one_object_per_representation(federated: GraphQLSchema) -> None:
    shape = shape_of(federated, NEARBY_OF_ENTITIES, {"r": [SPOT] * 30})
    assert (shape.cost, shape.representations, shape.depth) == (30 + 30 * 5, 30, 3)


@pytest.mark.parametrize(
    ("argument", "variables", "count"),
    [
        ('[{__typename: "A"}, {__typename: "B"}, {__typename: "C"}]', None, 3),
        ('{__typename: "A"}', None, 1),  # one object: GraphQL makes it a list of one
        ("$r", {"r": [SPOT] * 7}, 7),
        ("$r", {"r": SPOT}, 1),
        ("$r", {}, 0),
        ("[$a, $b]", {"a": SPOT, "b": SPOT}, 2),
    ],
    ids=["list", "object", "variable", "variable object", "variable missing", "list of variables"],
)
def test_representations_are_counted_however_they_are_given(
    federated: GraphQLSchema, argument: str, variables: dict[str, Any] | None, count: int
) -> None:
    query = f"{{ _entities(representations: {argument}) {{ __typename }} }}"
    shape = shape_of(federated, query, variables)
    assert (shape.representations, shape.cost) == (count, count)


def test_more_representations_than_a_page_are_refused(federated: GraphQLSchema) -> None:
    exceeded = verdict(federated, NEARBY_OF_ENTITIES, {"r": [SPOT] * 6}, max_page_size=5)
    assert exceeded is not None
    assert (exceeded.limit, exceeded.maximum, exceeded.actual) == ("max_page_size", 5, 6)
    assert exceeded.as_error()["extensions"]["code"] == "QUERY_LIMIT_EXCEEDED"
    assert "'_entities' is given 6 representations" in exceeded.message
    assert verdict(federated, NEARBY_OF_ENTITIES, {"r": [SPOT] * 5}, max_page_size=5) is None
