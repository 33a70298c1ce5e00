"""The hub as an Apollo Federation v2 subgraph: entity keys, ``_service`` and ``_entities``."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final

import strawberry
from graphql import GraphQLObjectType
from strawberry import UNSET
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.federation.types import FieldSet
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition, get_object_definition
from strawberry.types.info import Info

from kotahub.errors import ClientInputError
from kotahub.schema.complaints import Complaint, ComplaintCategory
from kotahub.schema.dimensions import Dimension, Indicator, Program
from kotahub.schema.districts import District
from kotahub.schema.health import HealthFacility
from kotahub.schema.representations import EntityKeys, checked
from kotahub.schema.tourism import TouristSpot

# The lowest version with all this subgraph uses (@key), so that every Federation 2
# supergraph composes it.
FEDERATION_VERSION: Final = "2.0"

# Each entity type and its keys (field sets, GraphQL names); its resolve_reference takes any.
ENTITY_KEYS: Mapping[type, tuple[str, ...]] = {
    TouristSpot: ("id",),
    HealthFacility: ("id",),
    Complaint: ("id", "trackingId"),
    ComplaintCategory: ("id", "source code"),
    Dimension: ("code", "id"),
    Program: ("id",),
    Indicator: ("id",),
    District: ("name", "id"),
}


class FederatedSchema(strawberry.federation.Schema):
    """Strawberry's subgraph schema over the hub's own types.

    The same classes make the plain schema, whose SDL must stay as it is, so the types carry
    their ``@key`` directives only while this schema is built; copies of their definitions,
    keys included, stay with this schema's types for the SDL it prints (``_service``).
    """

    def __init__(
        self,
        *,
        types: Iterable[type] = (),
        entities: Mapping[type, Sequence[str]] = ENTITY_KEYS,
        **options: Any,
    ) -> None:
        with _keyed(entities) as keyed:
            super().__init__(
                types=[*types, *entities], federation_version=FEDERATION_VERSION, **options
            )
        self.entity_keys: dict[str, EntityKeys] = {}
        for definition, keys in zip(keyed, entities.values(), strict=True):
            graphql_type = self._schema.type_map[definition.name]
            assert isinstance(graphql_type, GraphQLObjectType)
            backref = {GraphQLCoreConverter.DEFINITION_BACKREF: definition}
            graphql_type.extensions = {**graphql_type.extensions, **backref}
            self.entity_keys[definition.name] = EntityKeys.of(graphql_type, keys)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Strawberry's ``_entities`` for the representations that name an entity by one of
        its keys; each other one is an error at its own index that says what was expected."""
        found: list[Any] = []
        for index, given in enumerate(representations):
            try:
                found.append(checked(index, given, self.entity_keys))
            except ClientInputError as exc:
                found.append(exc)
        valid = [FederationAny(item) for item in found if isinstance(item, dict)]
        resolved = iter(super().entities_resolver(info, valid))
        return [FederationAny(next(resolved) if isinstance(i, dict) else i) for i in found]


@contextmanager
def _keyed(
    entities: Mapping[type, Sequence[str]],
) -> Iterator[list[StrawberryObjectDefinition]]:
    """The entity types with their keys while the block runs; it gets copies of their
    definitions that keep the keys after it."""
    definitions = [get_object_definition(entity, strict=True) for entity in entities]
    before = [definition.directives for definition in definitions]
    for definition, keys in zip(definitions, entities.values(), strict=True):
        added = [Key(fields=FieldSet(field_set), resolvable=UNSET) for field_set in keys]
        definition.directives = [*(definition.directives or ()), *added]
    try:
        yield [copy.copy(definition) for definition in definitions]
    finally:
        for definition, directives in zip(definitions, before, strict=True):
            definition.directives = directives
