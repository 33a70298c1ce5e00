"""The request's language from ``Accept-Language``, Indonesian unless English is preferred."""

from __future__ import annotations

from kotahub.hub.http.q_values import weighted
from kotahub.records import Lang


def preferred_lang(header: str | None, default: Lang) -> Lang:
    """The supported language with the highest q-value in the header, else ``default``."""
    best: tuple[float, Lang] | None = None
    for position, (tag, quality) in enumerate(weighted(header)):
        lang = _supported(tag.split("-")[0])
        if lang is None:
            continue
        weight = quality - position * 1e-6  # earlier wins a tie
        if weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else default


def _supported(primary: str) -> Lang | None:
    if primary in ("id", "in"):  # "in" is the withdrawn ISO 639 code some clients still send
        return "id"
    return "en" if primary == "en" else None
