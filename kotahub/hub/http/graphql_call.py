"""One request to /graphql as the door read it: the one object every layer around it shares.

The door fills it in as it reads the request: the operations it asks (``read``), the names
of the operations it chose in their documents (``chosen``), and, once it lets the request
in, what may run (``admission``): the principal, each operation with its document parsed
and checked. The layers behind the door (the response cache, GraphQL) run from it rather
than read the body or parse the documents again; the layers around it (the access log,
the request's span) read what the door learnt from it once the request is answered.

It lives in the ASGI scope under a key of its own, read and written only through
``graphql_call``: not in ``scope["state"]``, which is Starlette's untyped namespace (and a
copy of the lifespan's state), nor in ``scope["extensions"]``, which ASGI keeps for what
the server supports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import DocumentNode, OperationDefinitionNode
from starlette.types import Scope

from kotahub.access import Principal
from kotahub.hub.http.graphql_request import GraphQLRequest, Operations

SCOPE_KEY = "kotahub.graphql_call"


@dataclass(frozen=True, slots=True)
class Checked:
    """A document that parsed and keeps every limit, the operation of it that will run, the
    fields it selects, and the directive by which it asks for its answer in parts, if any."""

    document: DocumentNode
    operation: OperationDefinitionNode
    fields: int
    parts: str | None = None  # "@defer" or "@stream"


@dataclass(frozen=True, slots=True)
class Admitted:
    """One operation the door lets run: as it will run (a persisted hash replaced by its
    document), and that document as the door parsed and checked it."""

    request: GraphQLRequest
    checked: Checked | None  # None for an operation without a document


@dataclass(frozen=True, slots=True)
class Admission:
    """What the door lets in: who asks, and the operations that run."""

    principal: Principal
    operations: tuple[Admitted, ...]
    batched: bool
    off_loop: bool = False  # the steps behind the door read its documents off the event loop

    def in_parts(self) -> bool:
        """Whether an operation's answer is sent in parts (``@defer``, ``@stream``)."""
        return any(item.checked is not None and item.checked.parts for item in self.operations)

    def documents(self) -> dict[str, DocumentNode]:
        """Each document text the door parsed, with what it parsed it into."""
        return {
            item.request.query: item.checked.document
            for item in self.operations
            if item.checked is not None and item.request.query is not None
        }


@dataclass(slots=True, eq=False)
class GraphQLCall:
    """What the door learnt of one request so far; empty until it reads the request."""

    read: Operations | None = None  # the operations the request asks, as sent
    chosen: list[str | None] = field(default_factory=list)  # names of the operations chosen
    admission: Admission | None = None  # set once the door lets the request in

    def operation_name(self) -> str | None:
        """The name of the request's one operation: the operationName sent, else the name
        the door found its document gives it (nothing is parsed here); None for a batch of
        several, or before the door read any."""
        if self.read is None or len(self.read.requests) != 1:
            return None
        sent = self.read.requests[0].operation_name
        if sent is not None:
            return sent
        return self.chosen[0] if self.chosen else None


def graphql_call(scope: Scope) -> GraphQLCall:
    """The request's call, made empty by whichever layer asks first. A layer around the door
    asks before passing the request on, and reads it once the request is answered."""
    call = scope.get(SCOPE_KEY)
    if not isinstance(call, GraphQLCall):
        call = scope[SCOPE_KEY] = GraphQLCall()
    return call
