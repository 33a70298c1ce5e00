"""GraphQL operation names as metric labels, bounded so that clients cannot explode them."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_NAME_CHARS = 64
MAX_DISTINCT = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class OperationLabels:
    """The label for an operation name: the name itself for up to ``MAX_DISTINCT``
    well-formed names, ``anonymous`` without one, ``invalid`` for a name that is too long
    or not a GraphQL name, and ``other`` for the new names after that.

    A name earns a label of its own by running successfully, or by being a persisted
    operation (reserved at start-up); names of requests that failed or were refused may
    take only half of the labels, so that junk names cannot crowd out real operations."""

    def __init__(self, max_distinct: int = MAX_DISTINCT) -> None:
        self._max = max_distinct
        self._unearned_max = max_distinct // 2
        self._known: set[str] = set()

    def reserve(self, names: Iterable[str]) -> None:
        """Labels for these names before any request asks (a manifest's operations)."""
        for name in names:
            self.label(name, earned=True)

    def label(self, name: str | None, *, earned: bool) -> str:
        if not name:
            return "anonymous"
        if len(name) > MAX_NAME_CHARS or not _NAME.match(name):
            return "invalid"
        if name in self._known:
            return name
        if len(self._known) >= (self._max if earned else self._unearned_max):
            return "other"
        self._known.add(name)
        return name
