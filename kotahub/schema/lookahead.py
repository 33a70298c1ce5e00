"""Whether a query asks, below the field being resolved, for a path of fields: so that a
list's resolver can load at once what each of its items will need."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
)

from kotahub.schema.context import Info

T = TypeVar("T")
Fragments = Mapping[str, FragmentDefinitionNode]


def asks_for(info: Info, *path: str) -> bool:
    """Whether the field's selection holds ``path`` (field names, through fragments). Each
    fragment is read at most once for each step of the path, so a document that spreads
    fragments into fragments costs no more than its size (Strawberry's ``selected_fields``
    would write every spread out). A deferred fragment (``@defer``) is not read: what it
    asks for is loaded when its part of the answer is made, not before the first part."""
    raw = info._raw_info
    seen: set[tuple[str, int]] = set()
    return any(_holds(node.selection_set, path, raw.fragments, seen) for node in raw.field_nodes)


def _holds(
    selections: SelectionSetNode | None,
    path: tuple[str, ...],
    fragments: Fragments,
    seen: set[tuple[str, int]],
) -> bool:
    if not path:
        return True
    for selection in selections.selections if selections else ():
        if isinstance(selection, FieldNode):
            inner, rest = selection.selection_set, path[1:]
            if selection.name.value != path[0]:
                continue
        elif _deferred(selection):
            continue
        elif isinstance(selection, InlineFragmentNode):
            inner, rest = selection.selection_set, path
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if (name, len(path)) in seen or name not in fragments:
                continue
            seen.add((name, len(path)))
            inner, rest = fragments[name].selection_set, path
        else:
            continue
        if _holds(inner, rest, fragments, seen):
            return True
    return False


def _deferred(selection: SelectionNode) -> bool:
    return any(directive.name.value == "defer" for directive in selection.directives or ())


def later(awaitable: Awaitable[T]) -> T:
    """A resolver's value when it is not ready: graphql-core awaits whatever a resolver
    returns that is awaitable, so a plain resolver answers at once when its data is loaded
    (no task, no future) and hands over a coroutine only when it must wait."""
    answer: Any = awaitable
    return answer  # type: ignore[no-any-return]
