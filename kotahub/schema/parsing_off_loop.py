"""A document the HTTP layer parsed is not parsed again; any other heavy one is parsed in a
worker thread, so that parsing it never holds the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import DocumentNode, GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

from kotahub.concurrency import off_loop_if
from kotahub.schema.context import GraphQLContext, heavy


class ParsedOffLoop(SchemaExtension):
    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        if context.graphql_document is None and query is not None:
            document = _parsed_before(context, query)
            if document is None:
                document = await _parsed(context, query)
            context.graphql_document = document
        yield


def _parsed_before(execution: ExecutionContext, query: str) -> DocumentNode | None:
    """The document the door parsed from ``query``, when the request came through it."""
    context = execution.context
    return context.documents.get(query) if isinstance(context, GraphQLContext) else None


async def _parsed(execution: ExecutionContext, query: str) -> DocumentNode | None:
    """The document, parsed off the loop when heavy; None on a syntax error, which Strawberry
    then parses again to answer its own way."""
    try:
        return await off_loop_if(heavy(execution), parse, query, **execution.parse_options)
    except GraphQLError:
        return None
