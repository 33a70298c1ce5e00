"""API keys: configured as SHA-256 hashes, each naming a partner or admin scope."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers

from kotahub.access import ANONYMOUS, Principal, Role

KEY_HEADER = "x-api-key"
HASH_PATTERN = r"^sha256:[0-9a-f]{64}$"


class ApiKeySettings(BaseModel):
    """One key: who holds it, what it may do, and the hash of the key (never the key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    scope: Literal["partner", "admin"]
    hash: str = Field(pattern=HASH_PATTERN)


class Unauthenticated(Exception):
    """A key was sent, but it is not one of the configured keys."""


def new_key() -> str:
    """A random key for a partner or an admin: 256 bits, URL-safe."""
    return "kh_" + secrets.token_urlsafe(32)


def hash_of(key: str) -> str:
    """How a key is written in the configuration. A fast hash suffices: keys are random
    and long, so there is nothing to guess from the hash as there would be for passwords."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class _Known:
    digest: bytes
    principal: Principal


class KeyRing:
    """Finds the principal behind a request's key, in time that does not depend on which
    configured key (if any) it resembles."""

    def __init__(self, keys: Iterable[ApiKeySettings]) -> None:
        self._known = tuple(
            _Known(bytes.fromhex(key.hash.removeprefix("sha256:")), _principal(key)) for key in keys
        )

    def principal(self, headers: Headers) -> Principal:
        """ANONYMOUS when no key is sent; Unauthenticated when a sent key is unknown."""
        key = presented_key(headers)
        if key is None:
            return ANONYMOUS
        digest = hashlib.sha256(key.encode()).digest()
        found = ANONYMOUS
        for known in self._known:  # every key is compared: no early exit to time
            if hmac.compare_digest(digest, known.digest):
                found = known.principal
        if found is ANONYMOUS:
            raise Unauthenticated(
                "the API key sent is not recognised; check it, or send no key for public data"
            )
        return found


def presented_key(headers: Headers) -> str | None:
    """The key from ``X-API-Key`` or ``Authorization: Bearer …``."""
    key = headers.get(KEY_HEADER)
    if key is None:
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        key = credentials if scheme.lower() == "bearer" else None
    key = key.strip() if key is not None else None
    return key or None


def _principal(key: ApiKeySettings) -> Principal:
    return Principal(key.name, Role.ADMIN if key.scope == "admin" else Role.PARTNER)
