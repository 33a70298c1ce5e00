"""Dotted paths (``data.results``, ``geo.0``) that name a value inside a JSON document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MISSING: Final = object()  # what a path leads to when a step of it is not there


def pick(document: Any, path: str) -> Any:
    """The value at ``path`` (the document itself for ""), else MISSING; a step that is a
    number indexes an array."""
    value = document
    for step in path.split(".") if path else ():
        if isinstance(value, Mapping) and step in value:
            value = value[step]
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return MISSING
    return value


def found(value: Any) -> str:
    """What a path led to, for messages: its JSON type, or 'nothing'."""
    if value is MISSING:
        return "nothing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string" if value.strip() else "an empty string"
    return "an array" if isinstance(value, list) else "an object"
