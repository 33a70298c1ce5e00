"""GraphQL over HTTP: the operations one HTTP request carries, or why it carries none."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import Headers, QueryParams

from kotahub.hub.http.json_values import values_over

JSON_TYPE = "application/json"
# GraphQL requests nest a few levels (a batch, an operation, its variables, an input); deeper
# JSON only tries the stack of every layer that reads it after the gate.
MAX_JSON_NESTING = 64
# GraphQL's Int has 32 bits and its Float about 17 digits; turning a longer integer into a
# number costs time that grows with the square of its length, at each reading and writing.
MAX_INTEGER_DIGITS = 40


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """One operation as the client sent it."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


@dataclass
class Rejected(Exception):
    """The request is refused before anything runs; ``errors`` say why, in GraphQL's shape."""

    status: int
    message: str
    code: str
    extensions: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    locations: list[dict[str, int]] | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def errors(self) -> list[dict[str, Any]]:
        error: dict[str, Any] = {"message": self.message}
        if self.locations:
            error["locations"] = self.locations
        error["extensions"] = {"code": self.code, **self.extensions}
        return [error]


@dataclass(frozen=True, slots=True)
class Operations:
    """What one HTTP request asks: one operation, or a batch (a JSON array) of them."""

    requests: tuple[GraphQLRequest, ...]
    batched: bool = False


def read_operations(
    method: str,
    headers: Headers,
    query_string: bytes,
    body: bytes,
    max_batch: int,
    max_values: int,
) -> Operations:
    """The operations of a GET or POST; a batch is a JSON array of them. Any JSON holding
    more than ``max_values`` values is refused before it is parsed."""
    if method == "GET":
        params = QueryParams(query_string.decode("latin-1"))
        return Operations((_from_params(params, max_values),))
    if method != "POST":
        raise Rejected(
            405,
            f"{method} is not GraphQL over HTTP; use POST, or GET for queries",
            "METHOD_NOT_ALLOWED",
            headers={"Allow": "GET, POST"},
        )
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != JSON_TYPE:
        shown = content_type or "none"
        raise Rejected(
            415,
            f"the request body is {shown}; expected Content-Type: application/json",
            "UNSUPPORTED_MEDIA_TYPE",
        )
    data = _json(body, "the request body", max_values)
    if isinstance(data, list):
        return Operations(_batch(data, max_batch), batched=True)
    return Operations((_from_payload(data, "the request body"),))


def _batch(items: Sequence[Any], max_batch: int) -> tuple[GraphQLRequest, ...]:
    if not items:
        raise Rejected(400, "the batch is empty; send at least one operation", "BAD_REQUEST")
    if len(items) > max_batch:
        raise Rejected(
            400,
            f"the batch holds {len(items)} operations; the most one request may hold is "
            f"{max_batch} (max_batch_operations)",
            "QUERY_LIMIT_EXCEEDED",
            {"limit": "max_batch_operations", "maximum": max_batch, "actual": len(items)},
        )
    return tuple(_from_payload(item, f"operation {n} of the batch") for n, item in enumerate(items))


def _from_params(params: QueryParams, max_values: int) -> GraphQLRequest:
    payload: dict[str, Any] = {
        "query": params.get("query"),
        "operationName": params.get("operationName"),
    }
    for name in ("variables", "extensions"):
        if params.get(name):
            payload[name] = _json(params[name].encode(), f"the '{name}' parameter", max_values)
    return _from_payload(payload, "the query string")


def _from_payload(payload: Any, where: str) -> GraphQLRequest:
    if not isinstance(payload, dict):
        raise _bad(f'{where} is not a JSON object; expected {{"query": "…"}}')
    query, name = payload.get("query"), payload.get("operationName")
    variables, extensions = payload.get("variables"), payload.get("extensions")
    if not isinstance(query, str | None):
        raise _bad(f"'query' in {where} must be a string")
    if not isinstance(name, str | None):
        raise _bad(f"'operationName' in {where} must be a string or null")
    if not isinstance(variables, dict | None):
        raise _bad(f"'variables' in {where} must be an object or null")
    if not isinstance(extensions, dict | None):
        raise _bad(f"'extensions' in {where} must be an object or null")
    if not query and (extensions or {}).get("persistedQuery") is None:
        raise _bad(f'{where} has no \'query\'; expected {{"query": "…"}} or a persisted hash')
    return GraphQLRequest(query, name, variables, extensions)


def _json(raw: bytes, where: str, max_values: int) -> Any:
    try:  # decoded as json.loads decodes bytes: UTF-8, -16 or -32, a BOM allowed
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
    except UnicodeDecodeError as exc:
        raise _bad(f"{where} is not valid JSON ({exc}); expected a GraphQL request") from exc
    if values_over(text, max_values):
        raise _too_many(where, max_values)
    try:
        data = json.loads(text, parse_int=_integer)
    except RecursionError as exc:
        raise _bad(_too_nested(where)) from exc
    except _LongInteger as exc:
        raise _bad(
            f"{where} holds an integer of {exc.digits} digits; expected at most "
            f"{MAX_INTEGER_DIGITS}, as GraphQL's Int and Float need far fewer"
        ) from exc
    except ValueError as exc:
        raise _bad(f"{where} is not valid JSON ({exc}); expected a GraphQL request") from exc
    _check_json(data, where)
    return data


class _LongInteger(ValueError):
    def __init__(self, digits: int) -> None:
        super().__init__(f"an integer of {digits} digits")
        self.digits = digits


def _integer(literal: str) -> int:
    digits = len(literal) - literal.startswith("-")
    if digits > MAX_INTEGER_DIGITS:
        raise _LongInteger(digits)
    return int(literal)


def _too_many(where: str, max_values: int) -> Rejected:
    return Rejected(
        400,
        f"{where} holds more than {max_values} JSON values (each item of an array or object "
        f"counts, and each empty one); the most one request may hold is {max_values} "
        "(max_json_values): send fewer variables, or a batch of fewer operations",
        "QUERY_LIMIT_EXCEEDED",
        {"limit": "max_json_values", "maximum": max_values},
    )


def _check_json(data: Any, where: str) -> None:
    """Refuses JSON nested deeper than MAX_JSON_NESTING (measured without recursion), and
    strings that are not Unicode: a lone surrogate ("\\ud800") no response could echo."""
    pending = [(data, 1)] if isinstance(data, dict | list) else []
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_NESTING:
            raise _bad(_too_nested(where))
        items = value.values() if isinstance(value, dict) else value
        pending += [(item, depth + 1) for item in items if isinstance(item, dict | list)]
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise _bad(
            f"{where} holds a string with a lone surrogate ({exc.object[exc.start]!a}); "
            "expected text that is valid Unicode"
        ) from exc


def _too_nested(where: str) -> str:
    return (
        f"{where} nests arrays and objects more than {MAX_JSON_NESTING} levels deep; "
        "a GraphQL request needs a few"
    )


def _bad(message: str) -> Rejected:
    return Rejected(400, message, "BAD_REQUEST")
