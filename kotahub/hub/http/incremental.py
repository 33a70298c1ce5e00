"""Answers in parts (``@defer``, ``@stream``): whether an operation asks for one, and whether
its client reads ``multipart/mixed``, the only way such an answer can be sent."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    value_from_ast_untyped,
)
from starlette.datastructures import Headers

MULTIPART = "multipart/mixed"
DEFER_SPEC = "20220824"
INCREMENTAL_ACCEPT = f"{MULTIPART};deferSpec={DEFER_SPEC}"
DIRECTIVES = frozenset({"defer", "stream"})


def accepts_parts(headers: Headers) -> bool:
    """Whether Accept takes ``multipart/mixed``, without ``deferSpec`` or with the 2022 one."""
    for item in (headers.get("accept") or "").split(","):
        media, *given = (piece.strip() for piece in item.split(";"))
        params = dict(_param(piece) for piece in given)
        if media.lower() != MULTIPART or params.get("deferspec", DEFER_SPEC) != DEFER_SPEC:
            continue
        if _quality(params.get("q", "1")) > 0:
            return True
    return False


def parts_asked(
    query: str,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
) -> str | None:
    """The directive (``@defer`` or ``@stream``) by which the operation asks for its answer
    in parts, unless its ``if`` turns it off; None when it asks for one whole answer."""
    if "defer" not in query and "stream" not in query:  # most documents: nothing to walk
        return None
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    given = {**defaults, **(variables or {})}
    for directive in _directives(operation.selection_set, fragments, set()):
        if directive.name.value in DIRECTIVES and _on(directive, given):
            return f"@{directive.name.value}"
    return None


def _directives(
    selections: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    seen: set[str],
) -> Iterator[DirectiveNode]:
    """The directives on the selections, through the fragments they spread (each once)."""
    for selection in selections.selections if selections else ():
        yield from selection.directives or ()
        if isinstance(selection, FieldNode | InlineFragmentNode):
            yield from _directives(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in seen:
                seen.add(name)
                yield from _directives(fragments[name].selection_set, fragments, seen)


def _on(directive: DirectiveNode, variables: Mapping[str, Any]) -> bool:
    """False only when the directive's ``if`` is false, written or given."""
    for argument in directive.arguments or ():
        if argument.name.value != "if":
            continue
        value = argument.value
        if isinstance(value, BooleanValueNode):
            return value.value
        if isinstance(value, VariableNode):
            return variables.get(value.name.value) is not False
    return True


def _param(piece: str) -> tuple[str, str]:
    name, _, value = piece.partition("=")
    return name.strip().lower(), value.strip().strip('"')


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0
