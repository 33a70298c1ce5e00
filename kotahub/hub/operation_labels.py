"""GraphQL operation names as metric labels, bounded so that clients cannot explode them."""

from __future__ import annotations

import re

MAX_NAME_CHARS = 64
MAX_DISTINCT = 200
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class OperationLabels:
    """The label for an operation name: the name itself for the first ``MAX_DISTINCT``
    well-formed names seen, ``anonymous`` without one, ``invalid`` for a name that is too
    long or not a GraphQL name, and ``other`` for the new names after that."""

    def __init__(self, max_distinct: int = MAX_DISTINCT) -> None:
        self._max = max_distinct
        self._known: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return "anonymous"
        if len(name) > MAX_NAME_CHARS or not _NAME.match(name):
            return "invalid"
        if name in self._known:
            return name
        if len(self._known) >= self._max:
            return "other"
        self._known.add(name)
        return name
