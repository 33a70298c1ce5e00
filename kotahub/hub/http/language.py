"""The request's language from ``Accept-Language``, Indonesian unless English is preferred."""

from __future__ import annotations

from kotahub.records import Lang

SUPPORTED: tuple[Lang, ...] = ("id", "en")


def preferred_lang(header: str | None, default: Lang) -> Lang:
    """The supported language with the highest q-value in the header, else ``default``."""
    best: tuple[float, Lang] | None = None
    for position, item in enumerate((header or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        lang = _supported(primary)
        if lang is None:
            continue
        weight = _quality(params) - position * 1e-6  # earlier wins a tie
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else default


def _supported(primary: str) -> Lang | None:
    if primary in ("id", "in"):  # "in" is the withdrawn ISO 639 code some clients still send
        return "id"
    return "en" if primary == "en" else None


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0
