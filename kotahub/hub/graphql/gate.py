"""The door of the GraphQL endpoint: who asks, how much, and whether the query may run.

Every request passes here before the response cache and before GraphQL: its body is read
up to ``max_body_bytes``, its API key becomes a principal, it is counted against the
client's rate limit, persisted-query hashes become documents, and each document must parse
and keep the query limits. What is refused costs no execution at all. What passes is the
request's GraphQLCall: the layers behind the door run the operations it read and the
documents it parsed, never the body again, so that no other reading of the same bytes can
run something else (and no byte is read or parsed twice).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Awaitable
from dataclasses import dataclass

from cachetools import LRUCache
from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode
from graphql import OperationType as Kind
from starlette.datastructures import Headers, QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from kotahub.access import ANONYMOUS, Principal
from kotahub.concurrency import OFF_LOOP_CHARS, sized_off_loop
from kotahub.hub.http.event_streams import EVENT_STREAM, accepts_events
from kotahub.hub.http.graphql_call import Admission, Admitted, Checked, GraphQLCall, graphql_call
from kotahub.hub.http.graphql_request import GraphQLRequest, Rejected, read_operations
from kotahub.hub.http.incremental import INCREMENTAL_ACCEPT, accepts_parts, parts_asked
from kotahub.hub.http.operation import NoOperation, chosen_operation
from kotahub.hub.http.operation_variables import undeclared_message
from kotahub.hub.http.replies import read_body, replay, send_errors, too_large
from kotahub.hub.http.wrapper import HttpWrapper
from kotahub.hub.policy.api_keys import KeyRing, Unauthenticated
from kotahub.hub.policy.persisted_queries import Resolved
from kotahub.hub.policy.query_limits import (
    LimitExceeded,
    QueryLimits,
    check_limits,
    count_fields,
    parse_limited,
)
from kotahub.hub.policy.rate_limits import Refusal
from kotahub.hub.policy.submissions import submissions
from kotahub.hub.runtime import HubRuntime
from kotahub.observability.logs import CURRENT_REQUEST_ID

log = logging.getLogger("kotahub.gate")
# GraphQL validates a document by comparing its same-named fields pairwise: past this many
# fields in a request, validating it (and parsing and walking it again) takes over 10 ms.
OFF_LOOP_FIELDS = 40
Verdict = tuple[LimitExceeded | None, int]  # the limit broken, if any, and the fields counted


@dataclass(frozen=True, slots=True)
class GateRules:
    schema: GraphQLSchema
    keys: KeyRing
    limits: QueryLimits
    max_tokens: int
    max_query_length: int
    max_batch: int
    max_json_values: int


class GraphQLGate(HttpWrapper):
    def __init__(self, app: ASGIApp, rules: GateRules) -> None:
        super().__init__(app)
        self.rules = rules
        # Portals send the same few operations: measure each (with its variables) once.
        self._verdicts: LRUCache[bytes, Verdict] = LRUCache(maxsize=1024)
        self._lock = threading.Lock()  # large documents are checked in worker threads

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        runtime: HubRuntime = scope["app"].state.runtime
        call = graphql_call(scope)
        limit = runtime.settings.max_body_bytes
        body = await read_body(receive, limit)
        if body is None:
            await send_errors(send, 413, too_large(limit))
            return
        try:
            call.admission = await self._admit(runtime, scope, call, body)
        except Rejected as refused:
            await send_errors(send, refused.status, refused.errors(), refused.headers)
            return
        except Exception:  # masked like any surprise, and logged with the request's id
            request_id = CURRENT_REQUEST_ID.get() or ""
            log.exception("the door of /graphql failed [%s]", request_id)
            await send_errors(send, 500, _masked(request_id))
            return
        if call.admission is None:  # the playground page, or a GET that asks for nothing
            await self.app(scope, replay(body, receive), send)
            return
        # What runs is read from the call alone: the body is not handed on, so no layer
        # behind the door can read it a second time, or read it otherwise.
        await self.app(scope, replay(b"", receive), send)

    async def _admit(
        self, runtime: HubRuntime, scope: Scope, call: GraphQLCall, body: bytes
    ) -> Admission | None:
        """What may run; what is learnt on the way is written into ``call`` at once, so that
        the layers around the door can name a request it refuses."""
        headers = Headers(scope=scope)
        method, query_string = scope["method"], scope.get("query_string", b"")
        if method == "GET" and not _asks_anything(query_string):
            return None
        address = scope["client"][0] if scope.get("client") else "unknown"
        principal = await self._principal(runtime, headers, address)
        await _counted(runtime.rate_limits.admit(principal, address, 1))  # before any parsing
        rules = self.rules
        read = call.read = read_operations(
            method, headers, query_string, body, rules.max_batch, rules.max_json_values
        )
        if len(read.requests) > 1:  # a batch counts each of its operations
            await _counted(runtime.rate_limits.admit(principal, address, len(read.requests) - 1))
        resolved = [await runtime.persisted.resolve(op, principal) for op in read.requests]
        requests = [item.request for item in resolved]
        chars = sum(len(request.query or "") for request in requests)  # the request's weight
        checked = await self._checked_all(requests, method, call.chosen, chars)
        _deliverable(checked, headers, read.batched)
        _streamable(checked, headers, read.batched)
        submitted = sum(submissions(c.document, c.operation) for c in checked if c is not None)
        if submitted:
            await _counted(runtime.rate_limits.admit_submissions(principal, address, submitted))
        await _register(runtime, resolved, checked, (principal, address))
        operations = tuple(Admitted(r, c) for r, c in zip(requests, checked, strict=True))
        return Admission(principal, operations, read.batched, _heavy(chars, checked))

    async def admit_one(
        self, runtime: HubRuntime, caller: tuple[Principal, str], request: GraphQLRequest
    ) -> Admitted:
        """One operation that arrived on a connection already open (a WebSocket): counted
        against the caller's rate limit and checked like any request; Rejected if not."""
        await _counted(runtime.rate_limits.admit(*caller, 1))
        resolved = await runtime.persisted.resolve(request, caller[0])
        chars = len(resolved.request.query or "")
        checked = await self._checked_all([resolved.request], "POST", [], chars)
        await _register(runtime, [resolved], checked, caller)
        return Admitted(resolved.request, checked[0])

    def principal_of(self, headers: Headers) -> Principal:
        """The principal of these headers (Unauthenticated for a key the hub does not know)."""
        return self.rules.keys.principal(headers)

    async def _principal(self, runtime: HubRuntime, headers: Headers, address: str) -> Principal:
        try:
            return self.rules.keys.principal(headers)
        except Unauthenticated as exc:
            # Each wrong key costs its sender like an anonymous request: guessing is slow.
            await _counted(runtime.rate_limits.admit(ANONYMOUS, address, 1))
            raise Rejected(
                401, str(exc), "UNAUTHENTICATED", headers={"WWW-Authenticate": "Bearer"}
            ) from exc

    async def _checked_all(
        self, requests: list[GraphQLRequest], method: str, names: list[str | None], chars: int
    ) -> list[Checked | None]:
        """Each request checked; a batch is weighed whole (``chars``, its documents' length)
        and checked as one unit, so that its small documents do not hold the event loop one
        after another."""
        return await sized_off_loop(
            chars, lambda: [self._checked(request, method, names) for request in requests]
        )

    def _checked(
        self, request: GraphQLRequest, method: str, names: list[str | None]
    ) -> Checked | None:
        """The document and the operation that will run, once they parse and keep every
        limit; None for a request without a document. The operation's name is added to
        ``names`` as soon as it is chosen, whether it is then refused or not."""
        if request.query is None:
            return None
        rules = self.rules
        document = parse_limited(request.query, rules.max_tokens, rules.max_query_length)
        if isinstance(document, LimitExceeded):
            raise _over(document)
        if isinstance(document, GraphQLError):
            raise _unparsed(document)
        operation = _operation(document, request, names)
        if method == "GET" and operation.operation == Kind.MUTATION:
            raise Rejected(
                405,
                "a mutation cannot be sent with GET; use POST",
                "METHOD_NOT_ALLOWED",
                headers={"Allow": "POST"},
            )
        exceeded, fields = self._verdict(request, document, operation)
        if exceeded is not None:
            raise _over(exceeded)
        parts = parts_asked(request.query, document, operation, request.variables)
        return Checked(document, operation, fields, parts)

    def _verdict(
        self, request: GraphQLRequest, document: DocumentNode, operation: OperationDefinitionNode
    ) -> Verdict:
        key = _verdict_key(request)
        with self._lock:
            if key in self._verdicts:
                return self._verdicts[key]
        rules, variables = self.rules, request.variables
        exceeded = check_limits(rules.schema, document, operation, variables, rules.limits)
        verdict = (exceeded, count_fields(document) if exceeded is None else 0)
        with self._lock:
            self._verdicts[key] = verdict
        return verdict


def _operation(
    document: DocumentNode, request: GraphQLRequest, names: list[str | None]
) -> OperationDefinitionNode:
    """The operation GraphQL will run, refused before anything runs when the request leaves
    it in doubt or sends variables it does not declare (which no check reads, but which
    would key the response cache). Its name is added to ``names`` once it is chosen."""
    operation = chosen_operation(document, request.operation_name)
    if isinstance(operation, NoOperation):
        raise Rejected(200, operation.message, "GRAPHQL_VALIDATION_FAILED")
    names.append(operation.name.value if operation.name is not None else None)
    undeclared = undeclared_message(operation, request.variables)
    if undeclared is not None:
        raise Rejected(200, undeclared, "BAD_USER_INPUT")
    return operation


def _deliverable(checked: list[Checked | None], headers: Headers, batched: bool) -> None:
    """Refuses an operation asking for its answer in parts (``@defer``, ``@stream``) that
    cannot have one: its client does not read multipart/mixed, or it is one of a batch."""
    parts = next((item.parts for item in checked if item is not None and item.parts), None)
    if parts is None:
        return
    if batched:
        raise Rejected(
            400,
            f"this operation uses {parts}, which cannot be answered within a batch; "
            f"send it on its own, with `Accept: {INCREMENTAL_ACCEPT}`",
            "INCREMENTAL_DELIVERY_IN_BATCH",
        )
    if not accepts_parts(headers):
        raise Rejected(
            406,
            f"this operation uses {parts}, which needs `Accept: {INCREMENTAL_ACCEPT}`",
            "INCREMENTAL_DELIVERY_NOT_ACCEPTED",
            {"accept": INCREMENTAL_ACCEPT},
        )


def _streamable(checked: list[Checked | None], headers: Headers, batched: bool) -> None:
    """Refuses a subscription whose answers cannot stream to its client: one of a batch, or
    from a client that reads neither Server-Sent Events nor multipart subscriptions."""
    if not any(
        item is not None and item.operation.operation == Kind.SUBSCRIPTION for item in checked
    ):
        return
    if batched:
        raise Rejected(
            400,
            "a subscription cannot be one of a batch; send it on its own",
            "SUBSCRIPTION_IN_BATCH",
        )
    if not accepts_events(headers):
        raise Rejected(
            406,
            f"a subscription's answers stream: send `Accept: {EVENT_STREAM}` (GraphQL over "
            "Server-Sent Events), or subscribe over a WebSocket (graphql-transport-ws) here",
            "SUBSCRIPTION_NEEDS_STREAM",
            {"accept": EVENT_STREAM},
        )


def _heavy(chars: int, checked: list[Checked | None]) -> bool:
    """Whether the steps behind the door, which validate and walk each document again (a
    batch's all at once), should do so off the event loop: the whole request (``chars``
    long) decides."""
    fields = sum(item.fields for item in checked if item is not None)
    return chars > OFF_LOOP_CHARS or fields > OFF_LOOP_FIELDS


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


def _unparsed(error: GraphQLError) -> Rejected:
    where = [{"line": at.line, "column": at.column} for at in error.locations or ()]
    return Rejected(200, error.message, "GRAPHQL_PARSE_FAILED", locations=where or None)


async def _counted(verdict: Awaitable[Refusal | None]) -> None:
    refusal = await verdict
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


def _masked(request_id: str) -> list[dict[str, object]]:
    extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return [{"message": "Internal server error", "extensions": extensions}]


async def _register(
    runtime: HubRuntime,
    resolved: list[Resolved],
    checked: list[Checked | None],
    client: tuple[Principal, str],
) -> None:
    """Keep the new persisted documents that parsed and kept the limits, as many as the
    client may still have kept; the others run all the same, but are not kept."""
    wanted = [
        (item.register, item.request.query)
        for item, found in zip(resolved, checked, strict=True)
        if item.register is not None and item.request.query is not None and found is not None
    ]
    if not wanted:
        return
    refusal = await runtime.rate_limits.admit_registrations(*client, len(wanted))
    if refusal is not None:
        log.debug("persisted documents not kept: %s", refusal.message)
        return
    for digest, document in wanted:
        await runtime.persisted.register(digest, document)
