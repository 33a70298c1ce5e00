"""The door of the GraphQL endpoint: who asks, how much, and whether the query may run.

Every request passes here before the response cache and before GraphQL: its body is read
up to ``max_body_bytes``, its API key becomes a principal, its operations are counted
against the client's rate limit, persisted-query hashes become documents, and each
document must keep the query limits. What is refused costs no execution at all.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
)
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from kotahub.hub.access import ANONYMOUS, Principal
from kotahub.hub.api_keys import KeyRing, Unauthenticated
from kotahub.hub.graphql_request import GraphQLRequest, Rejected, read_operations
from kotahub.hub.http_replies import read_body, replay, send_errors, too_large
from kotahub.hub.persisted_queries import Resolved
from kotahub.hub.query_limits import (
    LimitExceeded,
    QueryLimits,
    check_limits,
    operation_in,
    parse_limited,
)
from kotahub.hub.runtime import HubRuntime

SUBMISSION_FIELD = "submitComplaint"


@dataclass(frozen=True, slots=True)
class GateRules:
    schema: GraphQLSchema
    keys: KeyRing
    limits: QueryLimits
    max_tokens: int
    max_batch: int


@dataclass(frozen=True, slots=True)
class Admitted:
    """What the gate learnt, left in ``scope["state"]`` for the layers behind it."""

    principal: Principal
    operations: tuple[GraphQLRequest, ...]
    batched: bool
    filled: bool  # a persisted document was filled in, so the request must be rewritten


class GraphQLGate:
    def __init__(self, app: ASGIApp, rules: GateRules) -> None:
        self.app = app
        self.rules = rules
        # Portals send the same few operations: measure each (with its variables) once.
        self._verdicts: LRUCache[bytes, LimitExceeded | None] = LRUCache(maxsize=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        runtime: HubRuntime = scope["app"].state.runtime
        limit = runtime.settings.max_body_bytes
        body = await read_body(receive, limit)
        if body is None:
            await send_errors(send, 413, too_large(limit))
            return
        try:
            admitted = await self._admit(runtime, scope, body)
        except Rejected as refused:
            await send_errors(send, refused.status, refused.errors(), refused.headers)
            return
        if admitted is None:  # the playground page, or a GET that GraphQL itself refuses
            await self.app(scope, replay(body), send)
            return
        scope.setdefault("state", {})["admitted"] = admitted
        scope, body = _rewritten(scope, body, admitted)
        await self.app(scope, replay(body), send)

    async def _admit(self, runtime: HubRuntime, scope: Scope, body: bytes) -> Admitted | None:
        headers = Headers(scope=scope)
        method, query_string = scope["method"], scope.get("query_string", b"")
        if method == "GET" and not _asks_anything(query_string):
            return None
        operations = read_operations(method, headers, query_string, body, self.rules.max_batch)
        address = scope["client"][0] if scope.get("client") else "unknown"
        principal = await self._principal(runtime, headers, address)
        await _admit_rate(runtime, principal, address, len(operations), 0)
        resolved = [await runtime.persisted.resolve(op, principal) for op in operations]
        parsed = [self._checked(item.request, method) for item in resolved]
        submissions = sum(_submissions(*checked) for checked in parsed if checked is not None)
        if submissions:
            await _admit_rate(runtime, principal, address, 0, submissions)
        await _register(runtime, resolved, parsed)
        ready = tuple(item.request for item in resolved)
        filled = any(new is not old for new, old in zip(ready, operations, strict=True))
        return Admitted(principal, ready, body.lstrip().startswith(b"["), filled)

    async def _principal(self, runtime: HubRuntime, headers: Headers, address: str) -> Principal:
        try:
            return self.rules.keys.principal(headers)
        except Unauthenticated as exc:
            # Each wrong key costs its sender like an anonymous request: guessing is slow.
            await _admit_rate(runtime, ANONYMOUS, address, 1, 0)
            raise Rejected(
                401, str(exc), "UNAUTHENTICATED", headers={"WWW-Authenticate": "Bearer"}
            ) from exc

    def _verdict(
        self,
        request: GraphQLRequest,
        document: DocumentNode,
        operation: OperationDefinitionNode,
    ) -> LimitExceeded | None:
        key = _verdict_key(request)
        if key not in self._verdicts:
            rules = self.rules
            variables = request.variables
            verdict = check_limits(rules.schema, document, operation, variables, rules.limits)
            self._verdicts[key] = verdict
        return self._verdicts[key]

    def _checked(
        self, request: GraphQLRequest, method: str
    ) -> tuple[DocumentNode, OperationDefinitionNode] | None:
        """The document and its operation, once they keep every limit; None when GraphQL
        will report a fault."""
        if request.query is None:
            return None
        document = parse_limited(request.query, self.rules.max_tokens)
        if document is None:
            return None
        if isinstance(document, LimitExceeded):
            raise _over(document)
        operation = operation_in(document, request.operation_name)
        if operation is None:
            return None
        if method == "GET" and operation.operation != OperationType.QUERY:
            raise Rejected(
                405,
                f"a {operation.operation.value} cannot be sent with GET; use POST",
                "METHOD_NOT_ALLOWED",
                headers={"Allow": "POST"},
            )
        exceeded = self._verdict(request, document, operation)
        if exceeded is not None:
            raise _over(exceeded)
        return document, operation


def _verdict_key(request: GraphQLRequest) -> bytes:
    """A short digest of what the verdict depends on, so that the memo stays small."""
    variables = json.dumps(request.variables, sort_keys=True) if request.variables else ""
    named = f"{request.operation_name or ''}\0{variables}\0{request.query or ''}"
    return hashlib.blake2b(named.encode(), digest_size=16).digest()


def _over(exceeded: LimitExceeded) -> Rejected:
    # A well-formed request that may not run, like a validation failure: 200 with
    # application/json, 400 with application/graphql-response+json (no data).
    extensions = exceeded.as_error()["extensions"]
    return Rejected(200, exceeded.message, extensions.pop("code"), extensions)


async def _admit_rate(
    runtime: HubRuntime, principal: Principal, address: str, operations: int, submissions: int
) -> None:
    refusal = await runtime.rate_limits.admit(principal, address, operations, submissions)
    if refusal is not None:
        raise Rejected(
            429,
            refusal.message,
            "RATE_LIMITED",
            {"limit": refusal.limit, "retryAfter": refusal.retry_after},
            headers={"Retry-After": str(refusal.retry_after)},
        )


def _asks_anything(query_string: bytes) -> bool:
    """Whether a GET carries an operation, its parameters read as GraphQL reads them
    (``%71uery`` is ``query`` too)."""
    params = QueryParams(query_string.decode("latin-1"))
    return "query" in params or "extensions" in params


def _submissions(document: DocumentNode, operation: OperationDefinitionNode) -> int:
    """How many complaints the operation submits: its top-level submitComplaint fields, those
    inside fragments included, one per response key (as GraphQL merges them)."""
    if operation.operation != OperationType.MUTATION:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return len(_submission_keys(operation.selection_set, fragments, frozenset()))


def _submission_keys(
    selections: SelectionSetNode,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str],
) -> set[str]:
    keys: set[str] = set()
    for selection in selections.selections:
        if isinstance(selection, FieldNode) and selection.name.value == SUBMISSION_FIELD:
            keys.add((selection.alias or selection.name).value)
        elif isinstance(selection, InlineFragmentNode):
            keys |= _submission_keys(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                inner = seen | {fragment.name.value}
                keys |= _submission_keys(fragment.selection_set, fragments, inner)
    return keys


async def _register(
    runtime: HubRuntime, resolved: list[Resolved], parsed: Sequence[object | None]
) -> None:
    """Keep the new persisted documents that parsed and kept the limits; not the others."""
    for item, checked in zip(resolved, parsed, strict=True):
        if item.register is not None and item.request.query is not None and checked is not None:
            await runtime.persisted.register(item.register, item.request.query)


def _rewritten(scope: Scope, body: bytes, admitted: Admitted) -> tuple[Scope, bytes]:
    """The request as GraphQL will see it: persisted documents filled in, and a JSON body
    labelled plainly ``application/json``, which is all Strawberry recognises."""
    operations = admitted.operations
    if scope["method"] == "POST":
        headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
        scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
    if not admitted.filled:
        return scope, body
    if scope["method"] == "GET":
        params = {k: v for k, v in operations[0].payload().items() if v is not None}
        encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        return {**scope, "query_string": urlencode(encoded).encode()}, body
    payloads = [op.payload() for op in operations]
    sent = payloads if admitted.batched else payloads[0]
    return scope, json.dumps(sent).encode()
