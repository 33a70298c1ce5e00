"""The limits a GraphQL document must keep before it runs: depth, aliases, cost and the rest."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from cachetools import LRUCache
from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    parse,
    visit,
)

from kotahub.concurrency import OFF_LOOP_CHARS
from kotahub.document_memo import DocumentMemo
from kotahub.hub.policy.query_cost import CostLimits, Shape, measure
from kotahub.schema.string_bounds import TooLong, too_long


@dataclass(frozen=True, slots=True)
class QueryLimits:
    """Each limit is configurable; the names are the settings' names."""

    max_depth: int = 10
    max_fields: int = 200
    max_aliases: int = 30
    max_directives: int = 50
    max_cost: int = 10_000
    max_page_size: int = 100
    default_page_size: int = 20
    list_size: int = 10
    introspection: bool = True
    max_string_length: int = 1000  # for arguments that declare no max_length of their own


@dataclass(frozen=True, slots=True)
class LimitExceeded:
    """Which limit a document broke, by how much, and what to do instead."""

    limit: str
    message: str
    maximum: int | None = None  # None for a rule rather than a number (fragment cycles)
    actual: int | None = None
    code: str = "QUERY_LIMIT_EXCEEDED"
    argument: str | None = None  # the argument given too much, for a limit of one

    def as_error(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code, "limit": self.limit}
        if self.argument is not None:
            extensions["argument"] = self.argument
        if self.maximum is not None:
            extensions |= {"maximum": self.maximum, "actual": self.actual}
        return {"message": self.message, "extensions": extensions}


def check_limits(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    limits: QueryLimits,
) -> LimitExceeded | None:
    """The first limit the operation breaks, or None; nothing is executed to find out."""
    counted = _count(document)
    if counted.fields > limits.max_fields:
        return _exceeded("max_fields", limits.max_fields, counted.fields, "fields")
    if counted.aliases > limits.max_aliases:
        return _exceeded("max_aliases", limits.max_aliases, counted.aliases, "aliases")
    if counted.directives > limits.max_directives:
        return _exceeded("max_directives", limits.max_directives, counted.directives, "directives")
    text = too_long(schema, document, operation, variables or {}, limits.max_string_length)
    if text is not None:
        return _too_long(text)
    cost_limits = CostLimits(limits.default_page_size, limits.list_size, limits.introspection)
    shape = measure(schema, document, operation, variables or {}, cost_limits)
    return _judge(shape, limits)


def _judge(shape: Shape, limits: QueryLimits) -> LimitExceeded | None:
    if shape.problem is not None:
        limit, message = shape.problem
        return LimitExceeded(limit, message)
    if shape.depth > limits.max_depth:
        return _exceeded("max_depth", limits.max_depth, shape.depth, "levels of fields")
    if shape.largest_page > limits.max_page_size:
        where = shape.largest_page_at
        message = (
            f"'{where}' asks for a page of {shape.largest_page}; the most one page may hold "
            f"is {limits.max_page_size} (max_page_size); page through with 'after' instead"
        )
        return LimitExceeded("max_page_size", message, limits.max_page_size, shape.largest_page)
    if shape.representations > limits.max_page_size:
        message = (
            f"'_entities' is given {shape.representations} representations; the most one "
            f"_entities field may resolve is {limits.max_page_size} (max_page_size); send the "
            "rest in further requests"
        )
        maximum, actual = limits.max_page_size, shape.representations
        return LimitExceeded("max_page_size", message, maximum, actual)
    if shape.cost > limits.max_cost:
        message = (
            f"the query would resolve about {shape.cost} objects (page sizes multiplied "
            f"through the nesting); the most one query may cost is {limits.max_cost} "
            "(max_cost); ask for smaller pages or split the query"
        )
        return LimitExceeded("max_cost", message, limits.max_cost, shape.cost)
    return None


def _too_long(text: TooLong) -> LimitExceeded:
    maximum, argument = text.bound.chars, text.argument
    return LimitExceeded(text.limit, text.message, maximum, text.actual, "BAD_USER_INPUT", argument)


def _exceeded(limit: str, maximum: int, actual: int, what: str) -> LimitExceeded:
    message = f"the query has {actual} {what}; the most this API accepts is {maximum} ({limit})"
    return LimitExceeded(limit, message, maximum, actual)


@dataclass
class _Counts(Visitor):
    fields: int = 0
    aliases: int = 0
    directives: int = 0

    def __post_init__(self) -> None:
        super().__init__()

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.fields += 1  # GraphQL's validation compares same-named fields pairwise
        if node.alias is not None:
            self.aliases += 1

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.directives += 1


def _count(document: DocumentNode) -> _Counts:
    return _COUNTED.get(document, None, partial(_counted, document))


def _counted(document: DocumentNode) -> _Counts:
    counts = _Counts()
    visit(document, counts)
    return counts


_COUNTED: DocumentMemo[_Counts] = DocumentMemo(longest=OFF_LOOP_CHARS)


def count_fields(document: DocumentNode) -> int:
    """The fields the document selects, each fragment's once (what ``max_fields`` counts)."""
    return _count(document).fields


# Documents short enough to be parsed on the event loop are kept parsed, up to this much
# source text in all: portals send the same few. Longer ones are parsed in a worker thread
# and not kept, as each character of a dense document can be an object kept, which every
# full garbage collection walks again while it holds the loop. A document keeps its
# locations (GraphQL's errors name them), which makes about 2.7 times the objects: this
# holds fewer than the 64 KiB of documents without them it used to.
PARSED_CACHE_CHARS = 20 * 1024
_parsed: LRUCache[tuple[str, int], tuple[int, Parsed]] = LRUCache(
    maxsize=PARSED_CACHE_CHARS, getsizeof=lambda kept: kept[0]
)
_parsed_lock = threading.Lock()  # the door parses large documents in worker threads
Parsed = DocumentNode | LimitExceeded | GraphQLError


def parse_limited(document: str, max_tokens: int, max_length: int) -> Parsed:
    """The parsed document, the one parsing of it that every step after the door reads
    (GraphQL's included); LimitExceeded past ``max_length`` characters (nothing is parsed)
    or ``max_tokens`` tokens (parsing stops there); the GraphQLError of a syntax error."""
    if len(document) > max_length:
        message = (
            f"the query is {len(document)} characters long; the most this API accepts is "
            f"{max_length} (max_query_length)"
        )
        return LimitExceeded("max_query_length", message, max_length, len(document))
    with _parsed_lock:
        kept = _parsed.get((document, max_tokens))
    if kept is None:
        kept = (len(document), _parse(document, max_tokens))
        if len(document) <= OFF_LOOP_CHARS:
            with _parsed_lock:
                _parsed[(document, max_tokens)] = kept  # portals send the same few documents
    return kept[1]


def _parse(document: str, max_tokens: int) -> Parsed:
    try:
        return parse(document, max_tokens=max_tokens)
    except GraphQLError as exc:
        if "Document contains more than" not in exc.message:
            return exc
    message = (
        f"the query has more than {max_tokens} tokens; the most this API accepts is "
        f"{max_tokens} (max_tokens)"
    )
    return LimitExceeded("max_tokens", message, max_tokens, max_tokens + 1)
