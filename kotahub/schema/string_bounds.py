"""How long a string each argument takes, checked on literals and variables before anything runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

from graphql import (
    BREAK,
    SKIP,
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLArgument,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)

from kotahub.concurrency import OFF_LOOP_CHARS
from kotahub.document_memo import DocumentMemo

MAX_LENGTH = "max_length"
_LITERALS: DocumentMemo[TooLong | None] = DocumentMemo(longest=OFF_LOOP_CHARS)
# Where Strawberry leaves, on graphql-core's argument or input field, its own declaration.
DEFINITION = "strawberry-definition"


def at_most(chars: int) -> dict[str, int]:
    """Metadata for a Strawberry argument or input field: its strings hold at most ``chars``
    characters (else the schema-wide ``max_string_length``)."""
    return {MAX_LENGTH: chars}


@dataclass(frozen=True, slots=True)
class Bound:
    chars: int
    declared: bool  # in the schema, rather than the schema-wide default


@dataclass(frozen=True, slots=True)
class TooLong:
    """A string longer than its argument takes; names the argument, never quotes the value."""

    argument: str
    bound: Bound
    actual: int

    @property
    def limit(self) -> str:
        return MAX_LENGTH if self.bound.declared else "max_string_length"

    @property
    def message(self) -> str:
        setting = "" if self.bound.declared else " (max_string_length)"
        return (
            f"{self.argument} is given a text of {self.actual} characters; it takes at most "
            f"{self.bound.chars} characters{setting}"
        )


def too_long(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    default: int,
) -> TooLong | None:
    """The first string, in the operation, its fragments or the variables they use, that is
    longer than the argument or input field it is given to takes. When no string sent is
    longer than the shortest bound, only the document's own literals can be: that walk is
    done once per document, whatever the values sent."""
    if _longest(variables) <= _shortest_bound(schema, default):
        key = (id(schema), id(operation), default, frozenset(variables))
        walk = partial(_walk, schema, document, operation, variables, default, False)
        return _LITERALS.get(document, key, walk)
    return _walk(schema, document, operation, variables, default, True)


def _walk(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    default: int,
    read_sent: bool,
) -> TooLong | None:
    """The walk of ``too_long``; without ``read_sent``, the variables sent are known short
    and only their names are read."""
    type_info = TypeInfo(schema)
    finder = _Finder(type_info, operation, variables, Bound(default, declared=False), read_sent)
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    for definition in [operation, *fragments]:
        visit(definition, TypeInfoVisitor(type_info, finder))
        if finder.found is not None:
            return finder.found
    return None


@dataclass(slots=True)
class _Over:
    """A string past its bound, and the input fields that lead to it, innermost first."""

    length: int
    bound: Bound
    keys: list[str] = field(default_factory=list)


Fields = dict[str, tuple[Any, Bound]]


class _Finder(Visitor):
    """Reads each argument's value along its type, literals and variables alike."""

    def __init__(
        self,
        type_info: TypeInfo,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        default: Bound,
        read_sent: bool = True,
    ) -> None:
        super().__init__()
        self.type_info = type_info
        self.variables = variables
        self.read_sent = read_sent
        definitions = operation.variable_definitions or ()
        self.defaults = {d.variable.name.value: d.default_value for d in definitions}
        self.default = default
        self.found: TooLong | None = None
        # A variable used in many places is read once for each kind of place.
        self._clean: set[tuple[str, int, Bound]] = set()
        self._fields: dict[str, Fields] = {}

    def enter_argument(self, node: ArgumentNode, *args: Any) -> object:
        argument = self.type_info.get_argument()
        over = self._literal(node.value, _type(argument), self._bound(argument))
        if over is None:
            return SKIP
        path = ".".join([node.name.value, *reversed(over.keys)])
        self.found = TooLong(f"{_owner(args[-1])}({path})", over.bound, over.length)
        return BREAK

    def _bound(self, definition: GraphQLArgument | GraphQLInputField | None) -> Bound:
        declared = definition.extensions.get(DEFINITION) if definition is not None else None
        chars = getattr(declared, "metadata", {}).get(MAX_LENGTH)
        return Bound(chars, declared=True) if isinstance(chars, int) else self.default

    def _literal(self, node: ValueNode | None, type_: Any, bound: Bound) -> _Over | None:
        type_ = _nullable(type_)
        if isinstance(node, StringValueNode):
            return _over(len(node.value), bound)
        if isinstance(node, VariableNode):
            return self._variable(node.name.value, type_, bound)
        if isinstance(node, ListValueNode):
            inner = _items(type_)
            return _first(self._literal(value, inner, bound) for value in node.values)
        if isinstance(node, ObjectValueNode):
            fields = node.fields
            return _first(self._member(type_, f.name.value, f.value, bound) for f in fields)
        return None

    def _variable(self, name: str, type_: Any, bound: Bound) -> _Over | None:
        if name not in self.variables:
            return self._literal(self.defaults.get(name), type_, bound)
        if not self.read_sent:
            return None
        key = (name, id(type_), bound)
        if key in self._clean:
            return None
        over = self._sent(self.variables[name], type_, bound)
        if over is None:
            self._clean.add(key)
        return over

    def _sent(self, value: Any, type_: Any, bound: Bound) -> _Over | None:
        """A variable's value, as JSON gave it, read along the type of where it is used."""
        type_ = _nullable(type_)
        if isinstance(value, str):
            return _over(len(value), bound)
        if isinstance(value, list):
            inner = _items(type_)
            for item in value:
                over = _over(len(item), bound) if isinstance(item, str) else None
                if over is None and isinstance(item, list | dict):
                    over = self._sent(item, inner, bound)
                if over is not None:
                    return over
            return None
        if isinstance(value, dict):
            return _first(self._member(type_, k, item, bound) for k, item in value.items())
        return None

    def _member(self, type_: Any, key: str, value: Any, bound: Bound) -> _Over | None:
        """One field of an input object, literal or sent, or one member of a JSON scalar's
        object (whose keys the client chose, so they are not named)."""
        if len(key) > self.default.chars:
            return _Over(len(key), self.default)
        named = isinstance(type_, GraphQLInputObjectType)
        if named:
            type_, bound = self._table(type_).get(key, (None, self.default))
        if isinstance(value, str):
            over = _over(len(value), bound)
        elif isinstance(value, ValueNode):
            over = self._literal(value, type_, bound)
        else:
            over = self._sent(value, type_, bound)
        if over is not None and named and type_ is not None:
            over.keys.append(key)
        return over

    def _table(self, type_: GraphQLInputObjectType) -> Fields:
        """Each field's type and bound, read from the schema once."""
        table = self._fields.get(type_.name)
        if table is None:
            items = type_.fields.items()
            table = self._fields[type_.name] = {k: (f.type, self._bound(f)) for k, f in items}
        return table


def _longest(value: Any) -> int:
    """The longest string among JSON values and the keys of their objects; 0 for none."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return max(map(_longest, value), default=0)
    if isinstance(value, Mapping):
        keys = max(map(len, value), default=0)
        return max(keys, max(map(_longest, value.values()), default=0))
    return 0


@lru_cache(maxsize=16)  # one schema is served; tests build a few
def _shortest_bound(schema: GraphQLSchema, default: int) -> int:
    """The fewest characters any argument or input field of the schema takes."""
    definitions: list[GraphQLArgument | GraphQLInputField] = []
    for type_ in schema.type_map.values():
        if isinstance(type_, GraphQLInputObjectType):
            definitions += type_.fields.values()
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            definitions += (arg for field_ in type_.fields.values() for arg in field_.args.values())
    for directive in schema.directives:
        definitions += directive.args.values()
    declared = (getattr(d.extensions.get(DEFINITION), "metadata", {}) for d in definitions)
    chars: list[int] = [m[MAX_LENGTH] for m in declared if isinstance(m.get(MAX_LENGTH), int)]
    return min([default, *chars])


def _owner(ancestors: list[Any]) -> str:
    """The field (by its name, not its alias) or the directive an argument belongs to."""
    for node in reversed(ancestors):
        if isinstance(node, FieldNode):
            return node.name.value
        if isinstance(node, DirectiveNode):
            return f"@{node.name.value}"
    return "?"


def _type(definition: GraphQLArgument | GraphQLInputField | None) -> Any:
    return definition.type if definition is not None else None


def _nullable(type_: Any) -> Any:
    return type_.of_type if isinstance(type_, GraphQLNonNull) else type_


def _items(type_: Any) -> Any:
    """The type of a list's items; for a value given where no list goes, the same type."""
    return _nullable(type_.of_type) if isinstance(type_, GraphQLList) else type_


def _over(length: int, bound: Bound) -> _Over | None:
    return _Over(length, bound) if length > bound.chars else None


def _first(found: Iterable[_Over | None]) -> _Over | None:
    return next((item for item in found if item is not None), None)
