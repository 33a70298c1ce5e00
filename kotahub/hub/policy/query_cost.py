"""The shape of an operation before it runs: how deep, how large its pages, how costly.

Cost is the number of objects the operation would resolve: every field of object type
counts once for each parent it is resolved under, and page sizes multiply through the
nesting, so ``first: 100`` three levels deep costs a million; federation's ``_entities``
resolves one object for each representation it is given. Fragments are measured once
each, whatever the number of spreads, so that a fragment bomb costs nothing to measure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
    value_from_ast_untyped,
)

# The standard introspection query (GraphiQL's) nests type references 13 levels deep.
INTROSPECTION_DEPTH = 16
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
FEDERATION_SDL = "_service"  # federation's own way to ask for the schema
# Selection sets (fields, inline fragments, fragment spreads) nested on one path: the parser
# stops at 200 within one definition, but spreads chain definitions; past this the walk stops
# rather than exhaust the interpreter's stack.
MAX_NESTING = 200
INTROSPECTION_NESTING = 64
# The argument of federation's _entities: the objects a supergraph asks the subgraph for.
REPRESENTATIONS = "representations"


@dataclass(frozen=True, slots=True)
class CostLimits:
    default_page_size: int
    list_size: int  # assumed length of a list that takes no page size
    introspection: bool


@dataclass
class Shape:
    depth: int = 0
    cost: int = 0
    largest_page: int = 0
    largest_page_at: str = ""
    representations: int = 0  # the most given to one _entities field
    schema_fields: int = 0  # how many times __schema is asked for
    problem: tuple[str, str] | None = None  # (limit, message) for a rule without a number


@dataclass(frozen=True, slots=True)
class _Measure:
    depth: int
    cost: int


class _Problem(Exception):
    def __init__(self, limit: str, message: str) -> None:
        self.limit, self.message = limit, message


@dataclass
class _Walker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    limits: CostLimits
    shape: Shape = field(default_factory=Shape)
    memo: dict[tuple[str, int | None], _Measure] = field(default_factory=dict)
    visiting: list[str] = field(default_factory=list)
    nesting: int = 0

    def selections(
        self, parent: GraphQLNamedType | None, node: SelectionSetNode, page: int | None
    ) -> _Measure:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise _Problem("nesting", _too_nested(MAX_NESTING))
        depth = cost = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                measured = self.field(parent, selection, page)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                measured = self.selections(inner, selection.selection_set, page)
            elif isinstance(selection, FragmentSpreadNode):
                measured = self.fragment(selection.name.value, page)
            depth, cost = max(depth, measured.depth), cost + measured.cost
        self.nesting -= 1
        return _Measure(depth, cost)

    def fragment(self, name: str, page: int | None) -> _Measure:
        if name in self.visiting:
            cycle = " → ".join([*self.visiting[self.visiting.index(name) :], name])
            raise _Problem("fragment_cycles", f"fragments spread each other in a cycle: {cycle}")
        known = self.memo.get((name, page))
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None:
            return _Measure(0, 0)  # validation names the unknown fragment
        self.visiting.append(name)
        condition = self.schema.get_type(definition.type_condition.name.value)
        measured = self.selections(condition, definition.selection_set, page)
        self.visiting.pop()
        self.memo[(name, page)] = measured
        return measured

    def field(self, parent: GraphQLNamedType | None, node: FieldNode, page: int | None) -> _Measure:
        name = node.name.value
        if name in INTROSPECTION_ROOTS:
            self.introspection(node)
            return _Measure(0, 1)
        if name == FEDERATION_SDL and parent is self.schema.query_type:
            self.federation_sdl()
        definition = _field_of(parent, name)
        if definition is None or node.selection_set is None:
            return _Measure(1, 0)
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return _Measure(1, 0)
        asked = self.page_size(definition, node)
        listed = is_list_type(get_nullable_type(definition.type))
        if listed:
            count = self.list_length(definition, node, asked or page)
            inner = self.selections(named, node.selection_set, None)
        else:  # a single object, or a connection whose lists hold ``asked`` items
            count = 1
            inner = self.selections(named, node.selection_set, asked)
        return _Measure(1 + inner.depth, count + count * inner.cost)

    def list_length(self, definition: GraphQLField, node: FieldNode, asked: int | None) -> int:
        """The items a list resolves: one per representation for ``_entities``, else the
        page asked for, the length the schema declares, or the estimate."""
        given = self.representations(definition, node)
        if given is not None:
            return given
        return asked or _declared_size(definition) or self.limits.list_size

    def representations(self, definition: GraphQLField, node: FieldNode) -> int | None:
        if REPRESENTATIONS not in definition.args:
            return None
        arguments = node.arguments or ()
        given = next((a.value for a in arguments if a.name.value == REPRESENTATIONS), None)
        if isinstance(given, VariableNode):
            value = self.variables.get(given.name.value)
            count = len(value) if isinstance(value, list) else int(value is not None)
        elif isinstance(given, ListValueNode):
            count = len(given.values)
        else:  # one object, which GraphQL takes as a list of one
            count = int(given is not None)
        self.shape.representations = max(self.shape.representations, count)
        return count

    def page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        if "first" not in definition.args:
            return None
        given = next((a.value for a in node.arguments or () if a.name.value == "first"), None)
        size: Any = None
        if isinstance(given, IntValueNode):
            # Past 2^31 GraphQL refuses the Int anyway; the digits are not worth converting.
            size = int(given.value) if len(given.value) <= 10 else 2**31
        elif isinstance(given, VariableNode):
            size = self.variables.get(given.name.value)
        if isinstance(size, float) and size.is_integer():
            size = int(size)  # JSON's 100.0, which GraphQL takes as the Int 100
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            default = definition.args["first"].default_value
            size = default if isinstance(default, int) else self.limits.default_page_size
        if size > self.shape.largest_page:
            self.shape.largest_page, self.shape.largest_page_at = size, node.name.value
        return int(size)

    def federation_sdl(self) -> None:
        """Federation's ``_service { sdl }`` tells the whole schema, as introspection does."""
        if not self.limits.introspection:
            raise _Problem(
                "introspection",
                "_service { sdl } describes the schema, and introspection is turned off on "
                "this endpoint (introspection = false); compose the SDL that `kotahub schema "
                "--federation` prints instead",
            )

    def introspection(self, node: FieldNode) -> None:
        if not self.limits.introspection:
            raise _Problem(
                "introspection",
                "introspection is turned off on this endpoint (introspection = false); "
                "the schema is published as SDL by the operators instead",
            )
        if node.name.value == "__schema":
            self.shape.schema_fields += 1
            if self.shape.schema_fields > 1:
                raise _Problem("introspection", "__schema may be asked for once per operation")
        _Introspection(self.fragments).walk(node, (), 1)


@dataclass
class _Introspection:
    """Introspection answers grow with the schema, not with data; what makes it abusive is
    nesting a list inside itself (``fields { type { fields … } }``), so that is refused."""

    fragments: dict[str, FragmentDefinitionNode]
    seen: set[tuple[str, tuple[str, ...], int]] = field(default_factory=set)
    nesting: int = 0

    def walk(self, node: FieldNode, lists: tuple[str, ...], depth: int) -> None:
        name = node.name.value
        if name in lists:
            raise _Problem(
                "introspection",
                f"introspection nests '{name}' inside '{name}'; ask for each list once",
            )
        if depth > INTROSPECTION_DEPTH:
            raise _Problem(
                "introspection", f"introspection nests more than {INTROSPECTION_DEPTH} levels deep"
            )
        if node.selection_set is not None:
            inner = (*lists, name) if name in _INTROSPECTION_LISTS else lists
            self.selections(node.selection_set, inner, depth + 1)

    def selections(self, node: SelectionSetNode, lists: tuple[str, ...], depth: int) -> None:
        self.nesting += 1
        if self.nesting > INTROSPECTION_NESTING:
            raise _Problem("introspection", _too_nested(INTROSPECTION_NESTING))
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                self.walk(selection, lists, depth)
            elif isinstance(selection, InlineFragmentNode):
                self.selections(selection.selection_set, lists, depth)
            elif isinstance(selection, FragmentSpreadNode):
                self.spread(selection.name.value, lists, depth)
        self.nesting -= 1

    def spread(self, name: str, lists: tuple[str, ...], depth: int) -> None:
        key = (name, lists, depth)
        definition = self.fragments.get(name)
        if key in self.seen or definition is None:
            return
        self.seen.add(key)
        self.selections(definition.selection_set, lists, depth)


_INTROSPECTION_LISTS = frozenset(
    {"types", "fields", "inputFields", "interfaces", "possibleTypes", "enumValues", "args"}
)


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    limits: CostLimits,
) -> Shape:
    """The operation's depth, cost and largest page, or the rule it breaks."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    # A variable the request leaves out takes the default the operation declares.
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    walker = _Walker(schema, fragments, {**defaults, **variables}, limits)
    root = schema.get_root_type(operation.operation)
    try:
        measured = walker.selections(root, operation.selection_set, None)
    except _Problem as problem:
        walker.shape.problem = (problem.limit, problem.message)
        return walker.shape
    walker.shape.depth, walker.shape.cost = measured.depth, measured.cost
    return walker.shape


def _too_nested(most: int) -> str:
    return (
        f"the query nests selections (fields, inline fragments and fragment spreads) more "
        f"than {most} levels deep; no query needs that many, so flatten its fragments"
    )


def _field_of(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    fields = getattr(parent, "fields", None)
    return fields.get(name) if fields is not None else None


def _declared_size(definition: GraphQLField) -> int | None:
    """The length a schema field declares for its list (``metadata={"list_size": n}``)."""
    declared = (definition.extensions or {}).get("strawberry-definition")
    size = (getattr(declared, "metadata", None) or {}).get("list_size")
    return size if isinstance(size, int) else None
