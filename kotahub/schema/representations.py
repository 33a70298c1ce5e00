"""Checking ``_entities`` representations against the entity keys, each fault named."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from kotahub.errors import ClientInputError

EXAMPLE = '{"__typename": "TouristSpot", "id": "…"}'
SHOWN_CHARS = 60  # of a value quoted in an error


@dataclass(frozen=True, slots=True)
class KeyField:
    """One field of a key: its GraphQL name, the name resolve_reference takes, its type."""

    name: str
    python_name: str
    type: GraphQLScalarType | GraphQLEnumType

    @property
    def expected(self) -> str:
        if isinstance(self.type, GraphQLEnumType):
            return f"a {self.type.name}: one of {', '.join(self.type.values)}"
        return f"a {self.type.name}"


@dataclass(frozen=True, slots=True)
class EntityKeys:
    """The keys a supergraph may name an entity type by, each a set of its fields."""

    type_name: str
    keys: tuple[tuple[KeyField, ...], ...]

    @classmethod
    def of(cls, graphql_type: GraphQLObjectType, field_sets: Sequence[str]) -> EntityKeys:
        keys = tuple(
            tuple(_key_field(graphql_type, name) for name in field_set.split())
            for field_set in field_sets
        )
        return cls(graphql_type.name, keys)

    def described(self) -> str:
        return ", or ".join(" and ".join(f.name for f in key) for key in self.keys)


def _key_field(graphql_type: GraphQLObjectType, name: str) -> KeyField:
    field = graphql_type.fields[name]
    named = get_named_type(field.type)
    if not isinstance(named, GraphQLScalarType | GraphQLEnumType):
        raise TypeError(f"key field {graphql_type.name}.{name} must be a scalar or an enum")
    declared = field.extensions.get("strawberry-definition")
    return KeyField(name, getattr(declared, "python_name", None) or name, named)


def checked(index: int, given: Any, entities: Mapping[str, EntityKeys]) -> dict[str, Any]:
    """``__typename`` and the fields of the first key the representation gives, parsed;
    a ClientInputError that says what was wrong and what was expected otherwise."""
    where = f"representations[{index}]"
    if not isinstance(given, Mapping):
        raise ClientInputError(
            f"{where} is {_shown(given)}; expected an object with __typename and the fields "
            f"of a key, such as {EXAMPLE}"
        )
    type_name = given.get("__typename")
    entity = entities.get(type_name) if isinstance(type_name, str) else None
    if entity is None:
        named = "no __typename" if type_name is None else f"__typename {_shown(type_name)}"
        raise ClientInputError(
            f"{where} has {named}; expected one of the entity types of this subgraph: "
            f"{', '.join(sorted(entities))}"
        )
    key = next((k for k in entity.keys if all(given.get(f.name) is not None for f in k)), None)
    if key is None:
        raise ClientInputError(f"{where} ({type_name}) gives no key; expected {entity.described()}")
    return {"__typename": type_name, **{f.python_name: _value(where, f, given) for f in key}}


def _value(where: str, field: KeyField, given: Mapping[str, Any]) -> Any:
    """The value of a key field as the resolvers take it (an enum's member, an ID's string)."""
    value = given[field.name]
    try:
        return field.type.parse_value(value)
    except (GraphQLError, TypeError, ValueError) as exc:
        raise ClientInputError(
            f"{where}.{field.name} is {_shown(value)}; expected {field.expected}"
        ) from exc


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
