"""Headers that rank their items by q-value (Accept, Accept-Language), read one way."""

from __future__ import annotations


def weighted(header: str | None) -> list[tuple[str, float]]:
    """Each comma-separated item of the header, in order, lower-cased and without its
    parameters, with its q-value: 1 when none is given, 0 when it is no number, else
    within 0 to 1."""
    items = []
    for part in (header or "").split(","):
        item, *params = (piece.strip() for piece in part.split(";"))
        items.append((item.lower(), _quality(params)))
    return items


def _quality(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return min(quality, 1.0) if quality >= 0 else 0.0  # NaN is no number either
    return 1.0
