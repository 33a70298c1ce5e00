"""Posting GraphQL operations to a hub and reading the answer."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST the operation; the HTTP status must be 200 and the body a GraphQL response."""
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "Traceback" not in response.text and 'File "' not in response.text
    return body


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error


def sha(document: str) -> str:
    """The SHA-256 of ``document``, in hex: its id as a persisted query."""
    return hashlib.sha256(document.encode()).hexdigest()


def persisted(document: str) -> dict[str, Any]:
    """The extensions that name ``document`` by its hash (an automatic persisted query)."""
    return {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}
