"""Plain fields resolved by graphql-core itself: a resolver that takes nothing but its object
(and perhaps ``info``) is called as it stands, without Strawberry's per-field machinery (an
Info built, arguments converted, an extension chain), which costs several times the work of
such a field, and a portal's page reads hundreds of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo
from strawberry.types.field import StrawberryField

DEFINITION = "strawberry-definition"  # where Strawberry leaves its field on graphql-core's


def resolve_plain_fields_directly(schema: strawberry.Schema) -> int:
    """Rewires the schema's plain fields (sync, no arguments, no field extensions); how many."""
    info_class = schema.config.info_class
    rewired = 0
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for graphql_field in type_.fields.values():
            field = graphql_field.extensions.get(DEFINITION)
            if isinstance(field, StrawberryField) and _plain(field):
                graphql_field.resolve = _direct(field, info_class)
                rewired += 1
    return rewired


def _plain(field: StrawberryField) -> bool:
    resolver = field.base_resolver
    return (
        resolver is not None
        and not field.extensions
        and not resolver.is_async
        and not resolver.arguments
        and resolver.self_parameter is not None
        and resolver.root_parameter is None
        and resolver.parent_parameter is None
    )


def _direct(field: StrawberryField, info_class: type[strawberry.Info]) -> Callable[..., Any]:
    assert field.base_resolver is not None
    method: Callable[..., Any] = field.base_resolver.wrapped_func  # type: ignore[assignment]
    wants_info = field.base_resolver.info_parameter
    if wants_info is None:
        return lambda source, _info: method(source)
    name = wants_info.name

    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        return method(source, **{name: info_class(_raw_info=info, _field=field)})

    return resolve
