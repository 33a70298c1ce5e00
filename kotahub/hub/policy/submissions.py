"""How many complaints an operation submits, however its fields are spelled."""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)

SUBMISSION_FIELD = "submitComplaint"


def submissions(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """Its top-level submitComplaint fields, those inside fragments included, one per
    response key (as GraphQL merges them)."""
    if operation.operation != OperationType.MUTATION:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return len(_keys(operation.selection_set, fragments, frozenset()))


def _keys(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> set[str]:
    keys: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode) and selection.name.value == SUBMISSION_FIELD:
            keys.add((selection.alias or selection.name).value)
        elif isinstance(selection, InlineFragmentNode):
            keys |= _keys(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                inner = seen | {fragment.name.value}
                keys |= _keys(fragment.selection_set, fragments, inner)
    return keys
