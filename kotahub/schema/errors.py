"""How errors leave the API: codes in extensions, source failures added, surprises masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import ExperimentalIncrementalExecutionResults, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from kotahub.errors import KotaHubError, SourceError
from kotahub.schema.input_errors import without_values

log = logging.getLogger("kotahub.graphql")

MASKED_MESSAGE = "Internal server error"


class ErrorPolicy(SchemaExtension):
    """Gives every error a code, adds reported source failures, and masks unexpected ones.

    Errors the hub raises on purpose (``KotaHubError``) and GraphQL's own parse and
    validation errors reach the client as they are; anything else is logged with its
    traceback and answered as "Internal server error", so no response carries internals.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or isinstance(result, ExperimentalIncrementalExecutionResults):
            return  # each part of an incremental answer is shaped as it goes (incremental.py)
        context = self.execution_context.context
        reported: list[GraphQLError] = list(getattr(context, "source_failures", []))
        request_id = getattr(context, "request_id", "")
        errors = [shaped(error, request_id) for error in (result.errors or [])] + reported
        result.errors = errors or None

    def on_stream_result(self, result: object) -> Iterator[None]:
        """Each answer of a subscription, as it goes out: shaped as a single answer is, with
        the source failures reported since the previous one."""
        if isinstance(result, ExecutionResult) and not getattr(result, "has_next", False):
            context = self.execution_context.context
            reported: list[GraphQLError] = getattr(context, "source_failures", [])
            request_id = getattr(context, "request_id", "")
            errors = [shaped(error, request_id) for error in (result.errors or [])] + reported
            result.errors = errors or None
            if reported:
                context.source_failures = []
        yield


def shaped(error: GraphQLError, request_id: str) -> GraphQLError:
    """The error as a client may see it: with its code, or masked when unexpected."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        error.message = without_values(error.message)
        return _with_extensions(error, {"code": _graphql_code(error)})
    if isinstance(original, KotaHubError):
        extensions: dict[str, object] = {"code": original.code}
        if isinstance(original, SourceError):
            extensions["source"] = original.source
        return _with_extensions(error, extensions)
    log.error("unexpected error at %s [%s]", error.path, request_id, exc_info=original)
    return GraphQLError(
        MASKED_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"}
        | ({"requestId": request_id} if request_id else {}),
    )


def _graphql_code(error: GraphQLError) -> str:
    if error.message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _with_extensions(error: GraphQLError, extensions: dict[str, object]) -> GraphQLError:
    error.extensions = {**(error.extensions or {}), **extensions}
    return error
