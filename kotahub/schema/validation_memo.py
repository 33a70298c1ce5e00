"""Validation once per document text: a valid document is remembered by a short digest only.

Strawberry's own ValidationCache keys its LRU by the parsed document, which keeps every
document it has seen alive; on a public endpoint anyone can fill it with large ones. Here
only the digests of documents that validated are kept (16 bytes each); a document that
fails is validated again each time, as the query limits have already bounded its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from cachetools import LRUCache
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MEMO_SIZE = 4096
_VALID: LRUCache[bytes, bool] = LRUCache(maxsize=MEMO_SIZE)


class ValidatedOnce(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        key = hashlib.blake2b((context.query or "").encode(), digest_size=16).digest()
        if key in _VALID:
            context.pre_execution_errors = []
        elif context.graphql_document is not None:
            schema = context.schema._schema
            errors = validate_document(schema, context.graphql_document, context.validation_rules)
            context.pre_execution_errors = errors
            if not errors:
                _VALID[key] = True
        yield
