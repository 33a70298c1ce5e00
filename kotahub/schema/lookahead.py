"""Whether a query asks, below the field being resolved, for a path of fields: so that a
list's resolver can load at once what each of its items will need."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar

from strawberry.types.nodes import SelectedField, Selection

from kotahub.schema.context import Info

T = TypeVar("T")


def asks_for(info: Info, *path: str) -> bool:
    """Whether the field's selection holds ``path`` (field names, through fragments)."""
    return any(_holds(field.selections, path) for field in info.selected_fields)


def _holds(selections: Iterable[Selection], path: tuple[str, ...]) -> bool:
    if not path:
        return True
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == path[0] and _holds(selection.selections, path[1:]):
                return True
        elif _holds(selection.selections, path):  # an inline fragment or a spread
            return True
    return False


def later(awaitable: Awaitable[T]) -> T:
    """A resolver's value when it is not ready: graphql-core awaits whatever a resolver
    returns that is awaitable, so a plain resolver answers at once when its data is loaded
    (no task, no future) and hands over a coroutine only when it must wait."""
    answer: Any = awaitable
    return answer  # type: ignore[no-any-return]
