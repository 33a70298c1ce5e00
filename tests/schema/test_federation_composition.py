"""The hub's subgraph SDL composes into a supergraph with a real composition library."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLObjectType,
    GraphQLSchema,
    build_schema,
    get_named_type,
    print_type,
)
from strawberry.types.base import get_object_definition

from kotahub.schema.build import build_schema as build_hub_schema
from kotahub.schema.federation import ENTITY_KEYS
from kotahub.schema.sdl import schema_sdl
from tests.support.composition import Subgraph, compose

pytestmark = pytest.mark.system

LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])'
# A city's transit system adds its own fields to the hub's places, joined by their keys.
TRANSIT = Subgraph(
    "transit",
    LINK
    + """
type TouristSpot @key(fields: "id") {
  id: ID!
  busStops: [BusStop!]!
}

type District @key(fields: "name") {
  name: String!
  busLines: [String!]!
}

type BusStop {
  name: String!
  walkMinutes: Int!
}

type Query {
  busStop(name: String!): BusStop
}
""",
)
# Every key of every entity type, as (type, key).
KEYS = [
    (get_object_definition(entity, strict=True).name, key)
    for entity, keys in ENTITY_KEYS.items()
    for key in keys
]
# The same, by a key the hub has not got: nothing can take a spot from the hub to transit.
BY_SLUG = Subgraph(
    "transit",
    LINK
    + """
type TouristSpot @key(fields: "slug") {
  slug: String!
  busStops: [String!]!
}
""",
)


@pytest.fixture(scope="module")
def hub() -> Subgraph:
    return Subgraph("kotahub", schema_sdl(federation=True))


@pytest.fixture(scope="module")
def hub_schema() -> GraphQLSchema:
    return build_hub_schema(federation=True)._schema


def type_line(sdl: str, name: str) -> str:
    return next(line for line in sdl.splitlines() if line.startswith(f"type {name} "))


def test_a_transit_subgraph_extends_spots_and_districts_by_their_keys(hub: Subgraph) -> None:
    composed = compose(hub, TRANSIT)
    assert composed.errors == []
    assert composed.supergraph_sdl is not None and composed.public_sdl is not None
    spot = type_line(composed.supergraph_sdl, "TouristSpot")
    assert '@join__type(graph: KOTAHUB, key: "id")' in spot
    assert '@join__type(graph: TRANSIT, key: "id")' in spot
    district = type_line(composed.supergraph_sdl, "District")
    assert '@join__type(graph: KOTAHUB, key: "name")' in district
    assert '@join__type(graph: TRANSIT, key: "name")' in district
    public = build_schema(composed.public_sdl)
    spot_type = public.type_map["TouristSpot"]
    assert isinstance(spot_type, GraphQLObjectType)
    assert {"name", "nearbyHealthFacilities", "busStops"} <= set(spot_type.fields)
    query = public.query_type
    assert query is not None and {"touristSpots", "busStop"} <= set(query.fields)
    assert "_entities" not in query.fields and "_service" not in query.fields


def test_every_key_of_every_entity_joins(hub: Subgraph, hub_schema: GraphQLSchema) -> None:
    extending = {(name, key): _extending(hub_schema, name, key) for name, key in KEYS}
    composed = compose(hub, *extending.values())
    assert composed.errors == []
    assert composed.supergraph_sdl is not None
    for (type_name, key), subgraph in extending.items():
        line = type_line(composed.supergraph_sdl, type_name)
        assert f'@join__type(graph: KOTAHUB, key: "{key}")' in line
        assert f'@join__type(graph: {subgraph.name.upper()}, key: "{key}")' in line


def test_a_key_the_hub_cannot_resolve_fails_to_compose(hub: Subgraph) -> None:
    composed = compose(hub, BY_SLUG)
    assert composed.supergraph_sdl is None
    assert {error["code"] for error in composed.errors} == {"SATISFIABILITY_ERROR"}
    assert all(
        'using @key(fields: "slug") of "TouristSpot"' in error["message"]
        for error in composed.errors
    )


def _extending(hub_schema: GraphQLSchema, type_name: str, key: str) -> Subgraph:
    """A subgraph that adds a field of its own to the entity, naming it by this one key."""
    entity = hub_schema.type_map[type_name]
    assert isinstance(entity, GraphQLObjectType)
    name = f"by_{type_name}_{key.replace(' ', '_')}".lower()
    key_fields = [entity.fields[field] for field in key.split()]
    enums = [get_named_type(f.type) for f in key_fields]
    sdl = "\n".join(
        [
            LINK,
            f'type {type_name} @key(fields: "{key}") {{',
            *(f"  {field}: {entity.fields[field].type}" for field in key.split()),
            f"  seenBy{name.title().replace('_', '')}: Int",  # a field of this subgraph alone
            "}",
            *(print_type(enum) for enum in enums if isinstance(enum, GraphQLEnumType)),
        ]
    )
    return Subgraph(name, sdl)
