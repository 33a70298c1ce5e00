"""Which operation of a document a request runs, chosen as the GraphQL spec says, or why none."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import DocumentNode, GraphQLError, OperationDefinitionNode, parse


@dataclass(frozen=True, slots=True)
class NoOperation:
    """Why a request runs none of its document's operations."""

    message: str


def chosen_operation(
    document: DocumentNode, operation_name: str | None
) -> OperationDefinitionNode | NoOperation:
    """The one operation ``operation_name`` names, or the document's only operation (the
    spec's GetOperation); never the first of several, which engines are free to pick and
    which would run unchecked while another is measured."""
    operations = operations_in(document)
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        return NoOperation(_unnamed(len(operations)))
    named = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if len(named) == 1:
        return named[0]
    if not named:
        return NoOperation(
            "operationName matches no operation of the document; expected the name of one "
            f"of its {len(operations)} operation(s)"
        )
    return NoOperation(
        f"the document holds {len(named)} operations of the name operationName gives; "
        "expected operation names that are unique within the document"
    )


def operations_in(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def operation_names(documents: Iterable[str]) -> list[str]:
    """The names of the operations of trusted documents (a manifest's, read at start-up);
    one that does not parse names none, and fails when it is run."""
    names: list[str] = []
    for document in documents:
        try:
            operations = operations_in(parse(document))
        except GraphQLError:
            continue
        names += [o.name.value for o in operations if o.name is not None]
    return names


def _unnamed(count: int) -> str:
    if count == 0:
        return "the document holds no operation; expected a query, mutation or subscription"
    return (
        f"the document holds {count} operations and no operationName says which to run; "
        "send operationName, or one operation per document"
    )
