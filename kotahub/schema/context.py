"""The GraphQL context of one request: the resolvers' scope and the failures to report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError
from strawberry.types import ExecutionContext
from strawberry.types import Info as StrawberryInfo

from kotahub.concurrency import OFF_LOOP_CHARS
from kotahub.errors import SourceError
from kotahub.resolvers.scope import RequestScope


@dataclass
class GraphQLContext:
    """Made by the HTTP layer for each request and handed to every resolver."""

    scope: RequestScope
    request_id: str = ""
    off_loop: bool = False  # the door weighed the request: its documents are read off the loop
    # The documents the door parsed, by their text: GraphQL runs them rather than parse again.
    documents: Mapping[str, DocumentNode] = field(default_factory=dict)
    source_failures: list[GraphQLError] = field(default_factory=list)

    def report(
        self, failures: tuple[SourceError, ...], info: StrawberryInfo[GraphQLContext, None]
    ) -> None:
        """Record source failures on the field's path; the data that did arrive is still served."""
        path = info.path.as_list()
        for failure in failures:
            self.source_failures.append(
                GraphQLError(
                    str(failure),
                    path=path,
                    extensions={"code": failure.code, "source": failure.source},
                )
            )


Info = StrawberryInfo[GraphQLContext, None]


def heavy(execution: ExecutionContext) -> bool:
    """Whether each step of reading the operation's document (parsing, validating, walking
    it) belongs in the worker thread: the door weighed its request so, a batch as a whole,
    or the document is long."""
    context = execution.context
    weighed = isinstance(context, GraphQLContext) and context.off_loop
    return weighed or len(execution.query or "") > OFF_LOOP_CHARS
