"""Which requests may share a whole cached response, and the key they share it under."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, OperationType, parse, print_ast

from kotahub.hub.http.operation import NoOperation, chosen_operation
from kotahub.hub.http.operation_variables import declared_variables


@dataclass(frozen=True, slots=True)
class Operation:
    """A parsed operation: whether it is a query, its document with layout removed, its
    name (None for an anonymous one) and the variables it declares."""

    is_query: bool
    document_digest: str
    name: str | None = None
    variables: frozenset[str] = frozenset()


CACHED_DOCUMENT_CHARS = 64 * 1024


def operation_of(document: str, operation_name: str | None) -> Operation | None:
    """The operation a request the door admitted would run (the door bounded its parsing);
    None when it would not run."""
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
    operation = chosen_operation(parsed, operation_name)
    if isinstance(operation, NoOperation):
        return None
    digest = hashlib.sha256(print_ast(parsed).encode()).hexdigest()
    name = operation.name.value if operation.name else None
    is_query = operation.operation == OperationType.QUERY
    return Operation(is_query, digest, name, declared_variables(operation))


def response_key(
    prefix: str,
    generations: tuple[int, ...],
    operation: Operation,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    lang: str,
) -> str:
    """Equal for requests that must get the same answer: same document however laid out,
    same operation, same variables however ordered, same language. Only the variables the
    operation declares count: no other can change the answer."""
    declared = {k: v for k, v in (variables or {}).items() if k in operation.variables}
    canonical = json.dumps(declared, sort_keys=True, separators=(",", ":"))
    versions = ".".join(map(str, generations))
    parts = (operation.document_digest, operation_name or "", canonical, lang, versions)
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"{prefix}:resp:{digest}"
