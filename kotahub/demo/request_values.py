"""Reading and quoting request values, shared by the reference upstreams' error messages."""

from __future__ import annotations

import math


def quoted(raw: str) -> str:
    """``raw`` in quotes for an error message, shortened when very long."""
    return repr(raw if len(raw) <= 80 else raw[:77] + "...")


def finite(text: str) -> float | None:
    """``text`` as a finite float, or None when it is not a number or not finite."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
