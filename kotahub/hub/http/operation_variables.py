"""The variables an operation declares, and those a request sends beyond them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import OperationDefinitionNode

SHOWN = 10  # declared names quoted in an error, so that it stays short


def declared_variables(operation: OperationDefinitionNode) -> frozenset[str]:
    return frozenset(d.variable.name.value for d in operation.variable_definitions or ())


def undeclared_message(
    operation: OperationDefinitionNode, variables: Mapping[str, Any] | None
) -> str | None:
    """Why the variables sent do not fit the operation, or None when each is declared. The
    names sent are counted, never quoted: a client may put anything in a key."""
    declared = declared_variables(operation)
    extra = sum(1 for name in variables or {} if name not in declared)
    if not extra:
        return None
    named = [f"${name}" for name in sorted(declared)]
    expected = ", ".join(named[:SHOWN] + (["…"] if len(named) > SHOWN else [])) or "none"
    return (
        f"'variables' holds {extra} name(s) the operation does not declare; send only the "
        f"variables it declares ({expected})"
    )
