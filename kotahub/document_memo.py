"""What is read off a parsed document, kept for as long as the same document is asked again."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from cachetools import LRUCache

T = TypeVar("T")
DOCUMENTS_KEPT = 256


class DocumentMemo(Generic[T]):
    """Results by document object and a key of the caller's: the door hands on one parsed
    object per short document text, so a known document is not walked again. The document
    is held with its result, so its identity cannot pass to another while it is kept; only
    documents of at most ``longest`` characters are (the ones the door keeps parsed), so
    that large ones, parsed anew each time, are never held here."""

    def __init__(self, longest: int, size: int = DOCUMENTS_KEPT) -> None:
        self._longest = longest
        self._kept: LRUCache[tuple[int, Hashable], tuple[Any, T]] = LRUCache(maxsize=size)
        self._lock = threading.Lock()  # documents are also checked in worker threads

    def get(self, document: Any, key: Hashable, compute: Callable[[], T]) -> T:
        location = getattr(document, "loc", None)
        if location is None or len(location.source.body) > self._longest:
            return compute()
        slot = (id(document), key)
        with self._lock:
            kept = self._kept.get(slot)
        if kept is not None and kept[0] is document:
            return kept[1]
        made = compute()
        with self._lock:
            self._kept[slot] = (document, made)
        return made
