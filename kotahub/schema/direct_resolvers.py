"""Plain fields resolved by graphql-core itself: a sync resolver of its object (perhaps with
``info``) whose arguments are scalars or enums is called as it stands, without Strawberry's
per-field machinery (an Info built, arguments converted, an extension chain), which costs
several times the work of such a field, and a portal's page reads hundreds of them.

graphql-core has already coerced such arguments to what Strawberry would hand on (an
enum's member, a custom scalar's parsed value): only their names change, from GraphQL's
to Python's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.base import StrawberryOptional
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"  # where Strawberry leaves its field on graphql-core's
LEAVES: frozenset[object] = frozenset({int, float, str, bool, strawberry.ID})


def resolve_plain_fields_directly(schema: strawberry.Schema) -> int:
    """Rewires the schema's plain fields; how many."""
    rewired = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for graphql_field in type_.fields.values():
            field = graphql_field.extensions.get(DEFINITION)
            if isinstance(field, StrawberryField) and _plain(field):
                graphql_field.resolve = _direct(field, schema)
                rewired += 1
    return rewired


def _plain(field: StrawberryField) -> bool:
    resolver = field.base_resolver
    return (
        resolver is not None
        and not field.extensions
        and not resolver.is_async
        and resolver.self_parameter is not None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
        and all(_leaf(argument.type) for argument in resolver.arguments)
    )


def _leaf(type_: Any) -> bool:
    """A scalar or an enum, perhaps optional: graphql-core's value is Strawberry's."""
    if isinstance(type_, StrawberryOptional):
        type_ = type_.of_type
    return (
        type_ in LEAVES or has_enum_definition(type_) or isinstance(type_, StrawberryEnumDefinition)
    )


def _direct(field: StrawberryField, schema: strawberry.Schema) -> Callable[..., Any]:
    assert field.base_resolver is not None
    resolver = field.base_resolver
    method: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
    convert = schema.config.name_converter.from_argument
    names = {convert(argument): argument.python_name for argument in resolver.arguments}
    info_class, wants_info = schema.config.info_class, resolver.info_parameter
    if wants_info is None and not names:
        return lambda source, _info: method(source)

    def resolve(source: Any, info: GraphQLResolveInfo[Any], **given: Any) -> Any:
        kwargs = {names[name]: value for name, value in given.items()}
        if wants_info is not None:
            kwargs[wants_info.name] = info_class(_raw_info=info, _field=field)
        return method(source, **kwargs)

    return resolve
