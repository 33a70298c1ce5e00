"""Persisted queries: documents known by their SHA-256 hash, sent once or deployed ahead.

Automatic persisted queries follow Apollo's protocol: a client sends only
``extensions.persistedQuery.sha256Hash``; when the hub does not know the hash it answers
``PersistedQueryNotFound`` and the client sends the document with its hash once, which the
hub keeps in Redis within bounds (persisted_store). In ``only`` mode the hub runs nothing
but the operations of a manifest deployed with it (admins excepted, so that they can still
explore).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from cachetools import LRUCache

from kotahub.access import Principal, Role
from kotahub.errors import ConfigError
from kotahub.hub.http.graphql_request import GraphQLRequest, Rejected
from kotahub.hub.policy.persisted_store import PersistedDocuments

Mode = Literal["automatic", "only", "off"]
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class Resolved:
    """The request with its document, and whether the hub should keep that document."""

    request: GraphQLRequest
    register: str | None = None  # the hash to keep the document under


class PersistedQueries:
    def __init__(
        self, mode: Mode, manifest: Mapping[str, str], documents: PersistedDocuments
    ) -> None:
        self.mode = mode
        self._manifest = dict(manifest)
        self._documents = documents
        self._recent: LRUCache[str, str] = LRUCache(maxsize=1024)

    async def resolve(self, request: GraphQLRequest, principal: Principal) -> Resolved:
        """The request as it will run; Rejected when its hash is unknown or not allowed."""
        asked = (request.extensions or {}).get("persistedQuery")
        if asked is None:
            if self.mode == "only" and not principal.allows(Role.ADMIN):
                raise Rejected(
                    400,
                    "this endpoint runs only persisted operations; send "
                    "extensions.persistedQuery.sha256Hash of an operation in its manifest",
                    "PERSISTED_QUERY_REQUIRED",
                )
            return Resolved(request)
        if self.mode == "off":
            raise Rejected(200, "PersistedQueryNotSupported", "PERSISTED_QUERY_NOT_SUPPORTED")
        digest = _hash_of(asked)
        if request.query is not None:
            return self._sent(request, digest, principal)
        document = await self._known(digest)
        if document is None:
            raise Rejected(200, "PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        return Resolved(replace(request, query=document))

    async def register(self, digest: str, document: str) -> None:
        """Keep a document that passed the query limits (and the client's registrations)."""
        if await self._documents.keep(digest, document):
            self._recent[digest] = document

    def _sent(self, request: GraphQLRequest, digest: str, principal: Principal) -> Resolved:
        document = request.query or ""
        if hashlib.sha256(document.encode()).hexdigest() != digest:
            raise Rejected(
                400,
                "provided sha does not match query: persistedQuery.sha256Hash must be the "
                "SHA-256 of the document, in lower-case hex",
                "PERSISTED_QUERY_HASH_MISMATCH",
            )
        if digest in self._manifest:
            return Resolved(request)
        if self.mode == "only":
            if principal.allows(Role.ADMIN):
                return Resolved(request)  # runs, but only the manifest lets others run it
            raise Rejected(
                400,
                "this endpoint runs only the operations of its manifest; this one is not in it",
                "PERSISTED_QUERY_REQUIRED",
            )
        # Kept again even when this process knows it: Redis, where the others look, may not.
        return Resolved(request, register=digest)

    async def _known(self, digest: str) -> str | None:
        document = self._manifest.get(digest)
        if document is None and self.mode == "automatic":
            document = self._recent.get(digest)
            if document is None:
                document = await self._documents.get(digest)
                if document is not None:
                    self._recent[digest] = document
        return document


def _hash_of(asked: Any) -> str:
    if not isinstance(asked, dict) or asked.get("version") != 1:
        raise Rejected(
            400,
            'extensions.persistedQuery must be {"version": 1, "sha256Hash": "<64 hex>"}',
            "BAD_REQUEST",
        )
    digest = asked.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest):
        raise Rejected(
            400,
            "extensions.persistedQuery.sha256Hash must be 64 lower-case hex digits",
            "BAD_REQUEST",
        )
    return digest


def load_manifest(path: Path | None) -> dict[str, str]:
    """Operations by hash from an Apollo persisted-query manifest, or a plain
    ``{"<sha256>": "<document>"}`` map; every hash is checked against its document."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"persisted_queries_file '{path}' cannot be read as JSON ({exc}); expected an "
            "Apollo persisted-query manifest or a map of sha256 hashes to documents"
        ) from exc
    pairs = _pairs(data, path)
    for digest, document in pairs.items():
        if hashlib.sha256(document.encode()).hexdigest() != digest:
            raise ConfigError(
                f"persisted_queries_file '{path}': the operation listed as {digest[:12]}… "
                "does not hash to that id; expected the SHA-256 of its body"
            )
    return pairs


def _pairs(data: Any, path: Path) -> dict[str, str]:
    if isinstance(data, dict) and isinstance(data.get("operations"), list):
        operations = data["operations"]
        if all(isinstance(o, dict) and {"id", "body"} <= o.keys() for o in operations):
            return {str(o["id"]): str(o["body"]) for o in operations}
    elif isinstance(data, dict) and all(
        _SHA256.match(k) and isinstance(v, str) for k, v in data.items()
    ):
        return dict(data)
    raise ConfigError(
        f"persisted_queries_file '{path}' has an unexpected shape; expected "
        '{"format": "apollo-persisted-query-manifest", "operations": [{"id", "body"}, …]} '
        'or {"<sha256>": "<document>", …}'
    )
