"""Property: a string longer than its bound, in any argument or input field of any root
field, given literally or as a variable, is refused at the door with BAD_USER_INPUT naming
where it went and the bound, and without quoting it.

The positions are read from the served schema, so an argument added later is covered too.
One hub serves every example (see test_input_properties.py for why the health check is off).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    get_named_type,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kotahub.hub.settings import Settings
from kotahub.schema.build import build_schema
from tests.conftest import HubFactory
from tests.support.graphql import only_error


@dataclass(frozen=True)
class Position:
    """Where a string may go: an argument of a root field, and input fields below it."""

    operation: str
    field: str
    argument: GraphQLArgument
    name: str
    path: tuple[str, ...]
    maximum: int

    def named(self) -> str:
        return f"{self.field}({'.'.join((self.name, *self.path))})"

    def value(self, leaf: str) -> Any:
        return _nested(self.argument.type, self.path, leaf)

    def document(self, leaf: str, literally: bool) -> str:
        selection = "" if _is_leaf(self.field_type) else " { __typename }"
        if literally:
            given = _literal(self.value(leaf))
            return f"{self.operation} {{ {self.field}({self.name}: {given}){selection} }}"
        return (
            f"{self.operation} ($v: {self.argument.type}) "
            f"{{ {self.field}({self.name}: $v){selection} }}"
        )

    @property
    def field_type(self) -> Any:
        root = SCHEMA.query_type if self.operation == "query" else SCHEMA.mutation_type
        assert root is not None
        return get_named_type(root.fields[self.field].type)


SCHEMA = build_schema()._schema
DEFAULT_MAXIMUM = Settings.model_fields["max_string_length"].default


def _declared(definition: GraphQLArgument | GraphQLInputField) -> int:
    metadata = getattr(definition.extensions.get("strawberry-definition"), "metadata", {})
    return int(metadata.get("max_length", DEFAULT_MAXIMUM))


def _below(type_: Any, path: tuple[str, ...], maximum: int) -> list[tuple[tuple[str, ...], int]]:
    """Every path from an input type down to a leaf, with the bound that governs it."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLInputObjectType):
        return [(path, maximum)]
    return [
        found
        for key, field in named.fields.items()
        for found in _below(field.type, (*path, key), _declared(field))
    ]


def _positions() -> list[Position]:
    roots = [("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)]
    return [
        Position(operation, field_name, argument, name, path, maximum)
        for operation, root in roots
        if root is not None
        for field_name, field in root.fields.items()
        for name, argument in field.args.items()
        for path, maximum in _below(argument.type, (), _declared(argument))
    ]


def _nested(type_: Any, path: tuple[str, ...], leaf: str) -> Any:
    type_ = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    if isinstance(type_, GraphQLList):
        return [_nested(type_.of_type, path, leaf)]
    if isinstance(type_, GraphQLInputObjectType):
        return {path[0]: _nested(type_.fields[path[0]].type, path[1:], leaf)}
    return leaf


def _literal(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_literal(item)}" for key, item in value.items()) + "}"
    return json.dumps(value, ensure_ascii=False)


def _is_leaf(type_: Any) -> bool:
    return not isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)


POSITIONS = _positions()
texts = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=4)


@pytest.fixture
async def client(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> AsyncIterator[httpx.AsyncClient]:
    """One hub for every example; rate limits off, since examples come fast."""
    async with hub(hub_settings(rate_limits={"enabled": False})) as client:
        yield client


@given(
    position=st.sampled_from(POSITIONS),
    seed=texts,
    extra=st.integers(min_value=1, max_value=40),
    literally=st.booleans(),
)
@settings(
    max_examples=60,
    deadline=None,
    database=None,  # examples depend on a live hub
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
async def test_any_overlong_string_in_any_argument_is_refused_and_named(
    client: httpx.AsyncClient, position: Position, seed: str, extra: int, literally: bool
) -> None:
    leaf = (seed * (position.maximum + extra))[: position.maximum + extra]
    query = position.document(leaf, literally)
    variables = {} if literally else {"v": position.value(leaf)}
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    event(f"{position.named()} {'literal' if literally else 'variable'}")
    assert response.status_code == 200, response.text
    error = only_error(response.json())
    assert error["extensions"]["code"] == "BAD_USER_INPUT", error
    assert error["extensions"]["argument"] == position.named(), error
    assert error["extensions"]["maximum"] == position.maximum, error
    assert error["extensions"]["actual"] == len(leaf), error
    assert leaf not in error["message"]
