"""Validation once per document text: a valid document is remembered by a short digest only.

Strawberry's own ValidationCache keys its LRU by the parsed document, which keeps every
document it has seen alive; on a public endpoint anyone can fill it with large ones. Here
only the digests of documents that validated are kept (16 bytes each); a document that
fails is validated again each time, as the query limits have already bounded its size.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

from cachetools import LRUCache
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from kotahub.concurrency import off_loop_if
from kotahub.schema.context import heavy

MEMO_SIZE = 4096
_VALID: LRUCache[bytes, bool] = LRUCache(maxsize=MEMO_SIZE)


class ValidatedOnce(SchemaExtension):
    async def on_validate(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query or ""
        key = hashlib.blake2b(query.encode(), digest_size=16).digest()
        if key in _VALID:
            context.pre_execution_errors = []
        elif context.graphql_document is not None:
            schema, document = context.schema._schema, context.graphql_document
            rules = context.validation_rules  # a heavy document is validated in a worker thread
            errors = await off_loop_if(heavy(context), validate_document, schema, document, rules)
            context.pre_execution_errors = errors
            if not errors:
                _VALID[key] = True
        yield
