"""Heavy documents are parsed in a worker thread, so that parsing them never holds the loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import suppress

from graphql import GraphQLError, parse
from strawberry.extensions import SchemaExtension

from kotahub.concurrency import off_loop_if
from kotahub.schema.context import heavy


class ParsedOffLoop(SchemaExtension):
    async def on_parse(self) -> AsyncIterator[None]:
        context = self.execution_context
        query = context.query
        # On a syntax error Strawberry parses it again and answers the error its own way.
        if context.graphql_document is None and query is not None:
            with suppress(GraphQLError):
                context.graphql_document = await off_loop_if(
                    heavy(context), parse, query, **context.parse_options
                )
        yield
