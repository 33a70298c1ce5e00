"""Cursor paging over ordered lists: opaque cursors, validated page sizes, page info."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from kotahub.errors import ClientInputError

T = TypeVar("T")
_PREFIX = "offset:"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """``first`` items after the item at cursor ``after``."""

    first: int
    offset: int


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer ordered list."""

    items: Sequence[tuple[str, T]]
    total: int
    has_next: bool
    has_previous: bool


def page_request(first: int | None, after: str | None, default: int, maximum: int) -> PageRequest:
    """Check ``first`` and ``after`` and turn them into an offset; faults name the argument."""
    size = default if first is None else first
    if size < 0 or size > maximum:
        raise ClientInputError(f"'first' must be between 0 and {maximum}, got {size}")
    return PageRequest(first=size, offset=0 if after is None else decode_cursor(after) + 1)


def paginate(items: Sequence[T], request: PageRequest) -> Page[T]:
    """The slice of ``items`` the request asks for, each item with its cursor."""
    start = min(request.offset, len(items))
    end = min(start + request.first, len(items))
    return Page(
        items=[(encode_cursor(index), items[index]) for index in range(start, end)],
        total=len(items),
        has_next=end < len(items),
        has_previous=start > 0,
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The offset inside a cursor this API issued; anything else is a client error."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if text.startswith(_PREFIX) and text[len(_PREFIX) :].isdigit():
            return int(text[len(_PREFIX) :])
    except (binascii.Error, UnicodeError, ValueError):
        pass
    raise ClientInputError(
        f"cursor {cursor!r} is not one this API issued; pass a cursor from edges or pageInfo"
    )
