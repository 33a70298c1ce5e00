"""The playground's example tabs: valid against the schema, the live one a subscription."""

from __future__ import annotations

import json

import pytest
from graphql import GraphQLSchema, parse, validate

from kotahub.hub.pages.examples import PLAYGROUND_EXAMPLES
from kotahub.hub.pages.playground import PlaygroundExample, playground_config_json
from kotahub.schema.build import build_schema

FOLLOW_TITLE = "Follow a complaint / Ikuti pengaduan"


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return build_schema()._schema


def follow_example() -> PlaygroundExample:
    return next(example for example in PLAYGROUND_EXAMPLES if example.title == FOLLOW_TITLE)


@pytest.mark.parametrize("example", PLAYGROUND_EXAMPLES, ids=lambda e: e.title)
def test_every_example_is_valid_against_the_schema(
    schema: GraphQLSchema, example: PlaygroundExample
) -> None:
    if example.operation == "subscription" and schema.subscription_type is None:
        pytest.skip("subscriptions are validated where the schema has a Subscription type")
    assert validate(schema, parse(example.query)) == []


def test_follow_a_complaint_is_a_subscription_tab_with_variables() -> None:
    example = follow_example()
    assert example.operation == "subscription"
    assert "subscription FollowComplaint($trackingId: String!)" in example.query
    assert "complaintUpdated(trackingId: $trackingId)" in example.query
    for field in ("trackingId", "deliveryStatus", "status", "statusNotes", "agency", "expectedAt"):
        assert field in example.query
    assert example.variables is not None
    assert json.loads(example.variables) == {"trackingId": "BPN-000064"}
    assert example.about_id.startswith("Ikuti pengaduan")
    assert example.about_en.startswith("Follow a complaint")


def test_the_page_config_opens_the_follow_tab() -> None:
    config = json.loads(playground_config_json("/graphql", PLAYGROUND_EXAMPLES))
    example = follow_example()
    tab = {"title": example.title, "query": example.document, "variables": example.variables}
    assert tab in config["examples"]


@pytest.mark.parametrize(
    ("query", "operation"),
    [
        ("{ __typename }", "query"),
        ("# a comment\nmutation M { x }", "mutation"),
        ("fragment F on S { x } subscription S { ...F }", "subscription"),
    ],
)
def test_an_example_knows_its_operation(query: str, operation: str) -> None:
    assert PlaygroundExample("t", query).operation == operation
