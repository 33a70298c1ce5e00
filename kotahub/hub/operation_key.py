"""Which requests may share a whole cached response, and the key they share it under."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse, print_ast


@dataclass(frozen=True, slots=True)
class Operation:
    """A parsed operation: whether it is a query, its document with layout removed, and its
    name (None for an anonymous one)."""

    is_query: bool
    document_digest: str
    name: str | None = None


CACHED_DOCUMENT_CHARS = 64 * 1024


def operation_of(document: str, operation_name: str | None) -> Operation | None:
    """The operation a request would run; None when it would not run (the GraphQL layer then
    reports why)."""
    if len(document) > CACHED_DOCUMENT_CHARS:  # so that the cache stays small
        return _operation_of(document, operation_name)
    return _cached_operation_of(document, operation_name)


@lru_cache(maxsize=1024)  # portals send the same few documents over and over
def _cached_operation_of(document: str, operation_name: str | None) -> Operation | None:
    return _operation_of(document, operation_name)


def _operation_of(document: str, operation_name: str | None) -> Operation | None:
    try:
        parsed = parse(document)
    except GraphQLError:
        return None
    operations = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return None
    digest = hashlib.sha256(print_ast(parsed).encode()).hexdigest()
    operation = operations[0]
    name = operation.name.value if operation.name else None
    return Operation(operation.operation == OperationType.QUERY, digest, name)


def response_key(
    prefix: str,
    generations: tuple[int, ...],
    operation: Operation,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    lang: str,
) -> str:
    """Equal for requests that must get the same answer: same document however laid out,
    same operation, same variables however ordered, same language."""
    canonical = json.dumps(variables or {}, sort_keys=True, separators=(",", ":"))
    versions = ".".join(map(str, generations))
    parts = (operation.document_digest, operation_name or "", canonical, lang, versions)
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"{prefix}:resp:{digest}"
