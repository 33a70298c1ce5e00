"""Which requests may share a whole cached response, and the key they share it under."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from graphql import DocumentNode, OperationDefinitionNode, print_ast

from kotahub.hub.http.operation_variables import declared_variables


@dataclass(frozen=True, slots=True)
class Operation:
    """A parsed operation: its document with layout removed, its name (None for an anonymous
    one) and the variables it declares."""

    document_digest: str
    name: str | None = None
    variables: frozenset[str] = frozenset()


CACHED_DOCUMENT_CHARS = 64 * 1024
# Portals send the same few documents: each one's digest is written out once.
_digests: LRUCache[str, str] = LRUCache(maxsize=1024)
_digests_lock = threading.Lock()  # large documents are digested in a worker thread


def operation_of(query: str, document: DocumentNode, chosen: OperationDefinitionNode) -> Operation:
    """The operation the door chose in ``document``, which it parsed from ``query``."""
    name = chosen.name.value if chosen.name else None
    return Operation(_digest(query, document), name, declared_variables(chosen))


def _digest(query: str, document: DocumentNode) -> str:
    """The digest of the document however laid out, kept by its text when short, so that
    the cache stays small."""
    if len(query) > CACHED_DOCUMENT_CHARS:
        return _layout_free(document)
    with _digests_lock:
        digest = _digests.get(query)
    if digest is None:
        digest = _layout_free(document)
        with _digests_lock:
            _digests[query] = digest
    return digest


def _layout_free(document: DocumentNode) -> str:
    return hashlib.sha256(print_ast(document).encode()).hexdigest()


def response_key(
    prefix: str,
    generations: tuple[int, ...],
    operation: Operation,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    lang: str,
    audience: str = "anonymous",
) -> str:
    """Equal for requests that must get the same answer: same document however laid out,
    same operation, same variables however ordered, same language, same scope (``audience``:
    what a scope may see can differ). Only the variables the operation declares count: no
    other can change the answer."""
    declared = {k: v for k, v in (variables or {}).items() if k in operation.variables}
    canonical = json.dumps(declared, sort_keys=True, separators=(",", ":"))
    versions = ".".join(map(str, generations))
    parts: tuple[str, ...] = (
        operation.document_digest,
        operation_name or "",
        canonical,
        lang,
        versions,
    )
    if audience != "anonymous":  # anonymous answers keep the keys they always had
        parts += (audience,)
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40]
    return f"{prefix}:resp:{digest}"
