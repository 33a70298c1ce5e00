"""How many items an input list takes, checked before GraphQL coerces what was sent.

Coercing an input object and converting it into a Strawberry input costs about 0.1 ms an
item, so a list of a few thousand answers would hold the event loop for a quarter of a
second before any resolver could refuse it. Lists declared with ``items_at_most`` are
measured first, in the variables and in the document's literals, and a longer one is
refused with nothing coerced.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import (
    BREAK,
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLArgument,
    GraphQLError,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    type_from_ast,
    visit,
)
from strawberry.extensions import SchemaExtension

from kotahub.concurrency import off_loop_if
from kotahub.errors import ClientInputError
from kotahub.schema.context import heavy
from kotahub.schema.string_bounds import DEFINITION

MAX_ITEMS = "max_items"


def items_at_most(count: int) -> dict[str, int]:
    """Metadata for a Strawberry input field or argument: its list holds at most ``count``."""
    return {MAX_ITEMS: count}


@dataclass(frozen=True, slots=True)
class Overflow:
    """A list longer than it may be; it names where, never what the items are."""

    where: str
    maximum: int
    actual: int

    def error(self) -> GraphQLError:
        message = f"{self.where} holds {self.actual} items; it takes at most {self.maximum}"
        extensions = {"maximum": self.maximum, "actual": self.actual}
        return GraphQLError(
            message, original_error=ClientInputError(message), extensions=extensions
        )


class BoundedLists(SchemaExtension):
    """Refuses an operation with an over-long list before its variables are coerced."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operation = get_operation_ast(document, context.operation_name) if document else None
        if document is not None and operation is not None:
            schema, variables = context.schema._schema, context.variables or {}
            query = context.query
            # A document that names no field taking a declared list gives none in place.
            written = query is None or any(name in query for name in _list_takers(schema))
            # The walk grows with the document: a heavy one is walked in a worker thread.
            found = await off_loop_if(
                heavy(context), first_overflow, schema, document, operation, variables, written
            )
            if found is not None:
                context.result = ExecutionResult(data=None, errors=[found.error()])
        yield


def first_overflow(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    written: bool = True,
) -> Overflow | None:
    """The first declared list, among the variables and (unless ``written`` is False, for a
    document known to give none in place) the literals, that is too long."""
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        type_ = type_from_ast(schema, definition.type)
        if name in variables and type_ is not None:
            found = _sent(variables[name], type_, f"${name}")
            if found is not None:
                return found
    return _written(schema, document, operation, variables) if written else None


@lru_cache(maxsize=16)  # one schema is served; tests build a few
def _list_takers(schema: GraphQLSchema) -> frozenset[str]:
    """The names of the fields and directives with an argument that can hold a declared list,
    read from the schema once."""
    fields = [
        (name, field.args)
        for type_ in schema.type_map.values()
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType)
        for name, field in type_.fields.items()
    ]
    directives = [(directive.name, directive.args) for directive in schema.directives]
    return frozenset(
        name
        for name, args in [*fields, *directives]
        if any(_bound(arg) is not None or _reaches_bound(arg.type) for arg in args.values())
    )


def _sent(value: Any, type_: Any, where: str) -> Overflow | None:
    """A variable's value as JSON gave it, read along its type."""
    type_ = get_nullable_type(type_)
    if isinstance(type_, GraphQLList):
        if not _reaches_bound(type_.of_type):
            return None
        for item in value if isinstance(value, list) else [value]:  # one value: a list of one
            found = _sent(item, type_.of_type, where)
            if found is not None:
                return found
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        for name, field in type_.fields.items():
            if name in value:
                found = _judged(value[name], field, f"{where}.{name}")
                found = found or _sent(value[name], field.type, f"{where}.{name}")
                if found is not None:
                    return found
    return None


def _judged(
    value: Any, definition: GraphQLInputField | GraphQLArgument, where: str
) -> Overflow | None:
    bound = _bound(definition)
    if bound is not None and isinstance(value, list) and len(value) > bound:
        return Overflow(where, bound, len(value))
    return None


def _bound(definition: GraphQLInputField | GraphQLArgument | None) -> int | None:
    declared = definition.extensions.get(DEFINITION) if definition is not None else None
    bound = (getattr(declared, "metadata", None) or {}).get(MAX_ITEMS)
    return bound if isinstance(bound, int) else None


def _reaches_bound(type_: Any, seen: frozenset[str] = frozenset()) -> bool:
    """Whether a value of this type can hold a declared list (input types may recurse)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLInputObjectType) or named.name in seen:
        return False
    inner = seen | {named.name}
    return any(
        _bound(field) is not None or _reaches_bound(field.type, inner)
        for field in named.fields.values()
    )


def _written(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
) -> Overflow | None:
    """A list written in the document, or a variable used where a declared list goes."""
    type_info = TypeInfo(schema)
    finder = _PlaceFinder(type_info, variables)
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    for definition in [operation, *fragments]:
        visit(definition, TypeInfoVisitor(type_info, finder))
        if finder.found is not None:
            break
    return finder.found


class _PlaceFinder(Visitor):
    """What the document gives each argument and input field that takes a declared list."""

    def __init__(self, type_info: TypeInfo, variables: Mapping[str, Any]) -> None:
        super().__init__()
        self.type_info = type_info
        self.variables = variables
        self.found: Overflow | None = None

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> object:
        return self._check(node.value, self.type_info.get_argument(), node.name.value)

    def enter_object_field(self, node: ObjectFieldNode, *_args: Any) -> object:
        parent = get_named_type(self.type_info.get_parent_input_type())
        name = node.name.value
        field = parent.fields.get(name) if isinstance(parent, GraphQLInputObjectType) else None
        return self._check(node.value, field, name)

    def _check(
        self, value: Any, definition: GraphQLInputField | GraphQLArgument | None, name: str
    ) -> object:
        bound = _bound(definition)
        if bound is None:
            return None
        if isinstance(value, VariableNode):
            sent = self.variables.get(value.name.value)
            given = len(sent) if isinstance(sent, list) else 0
        else:
            given = len(value.values) if isinstance(value, ListValueNode) else 0
        if given > bound:
            self.found = Overflow(f"'{name}'", bound, given)
            return BREAK
        return None
