"""Global object ids: ``Node`` and the encoding of ``Type:source:localId``."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import lru_cache

import strawberry

from kotahub.errors import ClientInputError


@strawberry.interface(description="An object with a global id that stays the same across restarts.")
class Node:
    id: strawberry.ID = strawberry.field(description="Global id, usable with the node query.")


@lru_cache(maxsize=16384)  # a page's objects are the same from one request to the next
def _encoded(type_name: str, source: str, local_id: str) -> strawberry.ID:
    raw = f"{type_name}:{source}:{local_id}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


@dataclass(frozen=True, slots=True)
class GlobalId:
    """What a global id names: a GraphQL type, a source and the source's own id."""

    type_name: str
    source: str
    local_id: str

    def encode(self) -> strawberry.ID:
        return _encoded(self.type_name, self.source, self.local_id)

    @classmethod
    def decode(cls, value: str) -> GlobalId:
        """Parse an id this API issued; anything else is a client error that says so."""
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        except (binascii.Error, UnicodeError, ValueError):
            raw = ""
        parts = raw.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ClientInputError(
                f"id {value!r} is not a global id this API issued; use the id field of an object"
            )
        return cls(*parts)

    @classmethod
    def of_type(cls, value: str, type_name: str) -> GlobalId:
        """Parse an id that must name a ``type_name``; another type's id is a client error."""
        gid = cls.decode(value)
        if gid.type_name != type_name:
            raise ClientInputError(
                f"id {value!r} is the id of a {gid.type_name}, not of a {type_name}; "
                f"use the id field of a {type_name}"
            )
        return gid
