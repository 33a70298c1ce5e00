"""What an upstream says about a failure, made fit to keep and show: redacted, then short."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
MAX_CHARS = 200  # what is kept and shown of an upstream's explanation
SCAN_CHARS = 4000  # what is read of it at all: a bound on the work, whatever it sends
MIN_VALUE_CHARS = 3  # shorter values are everywhere in ordinary words, and say little
PREFIX_CHARS = 12  # an echo of a long value is caught by its start, even when cut short

_BEARER = re.compile(r"\bbearer\s+[\w.~+/=-]{1,4096}", re.IGNORECASE)
# A secret, or a contact field, followed by its value in form, query, JSON or prose notation.
_PAIR = re.compile(
    r"(?P<name>\b(?P<field>api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|token"
    r"|client[_-]?secret|secret|password|passwd|authorization|first[_-]?name|last[_-]?name"
    r"|e-?mail|phone|address_string|description)\b[\"']?\s{0,8}(?P<sign>[=:])\s{0,8})"
    r"(?P<value>\"(?:[^\"\\]|\\.){0,4096}\"|'[^']{0,4096}'|[^\s&,;}\[\]\"']{1,4096})",
    re.IGNORECASE,
)
_SECRET_NAME = re.compile(r"api|token|secret|passw|authorization", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+%-]{1,64}(?:@|%40)[\w-]{1,63}(?:\.[\w-]{1,63}){0,8}")
_PHONE_LIKE = re.compile(r"(?<![\w+])\+?\d[\d \t()-]{5,30}\d(?!\w)")
PHONE_DIGITS = 9  # fewer digits in a row are sizes, counts and dates, not phone numbers
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def redacted(text: str, posted: Iterable[str] = (), limit: int = MAX_CHARS) -> str:
    """``text`` without the values that were sent (``posted``), nor anything that looks like
    an e-mail address, a phone number, a key or a token, on one line of at most ``limit``
    characters. Values are redacted before the text is cut, so no cut leaves half of one."""
    text = _without_values(_one_line(text[:SCAN_CHARS]), posted)
    text = _BEARER.sub(f"Bearer {REDACTED}", text)
    text = _PAIR.sub(_pair_redacted, text)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE_LIKE.sub(_phone_redacted, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pair_redacted(found: re.Match[str]) -> str:
    """A secret's value always goes; a contact field's in ``name=value`` or quoted, but not
    in prose ("description: must not be empty" says nothing that was sent)."""
    quoted = found["value"][0] in "\"'"
    if found["sign"] == ":" and not quoted and not _SECRET_NAME.match(found["field"]):
        return found[0]
    return found["name"] + REDACTED


def _phone_redacted(found: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in found[0])
    return REDACTED if digits >= PHONE_DIGITS else found[0]


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _folded(text: str) -> str:
    """Lower case, one character for one, so that places found in it are places in ``text``."""
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _without_values(text: str, posted: Iterable[str]) -> str:
    lowered = _folded(text)
    spans: list[tuple[int, int]] = []
    for spelling in {variant for value in posted for variant in _spellings(value)}:
        spans += _echoes(lowered, _folded(spelling))
    kept, start = [], 0
    for begin, end in sorted(spans):
        if begin < start:  # overlaps the redaction before it, which grows to cover both
            start = max(start, end)
            continue
        kept += [text[start:begin], REDACTED]
        start = end
    return "".join(kept) + text[start:]


def _spellings(value: str) -> set[str]:
    """A value as an upstream may echo it: as sent, form-encoded, or inside JSON."""
    value = _one_line(value)
    if len(value) < MIN_VALUE_CHARS:
        return set()
    return {value, quote_plus(value), quote(value), json.dumps(value)[1:-1]}


def _echoes(text: str, value: str) -> list[tuple[int, int]]:
    """Where ``value`` appears in ``text``: whole (a short value, as a word of its own), or
    from its first PREFIX_CHARS characters on for as long as the text goes on repeating it."""
    needle = value[:PREFIX_CHARS]
    spans, at = [], text.find(needle)
    while at >= 0:
        end = at + len(needle)
        if len(needle) == len(value) and not _word_alone(text, at, end):
            at = text.find(needle, at + 1)
            continue
        while end - at < len(value) and end < len(text) and text[end] == value[end - at]:
            end += 1
        spans.append((at, end))
        at = text.find(needle, end)
    return spans


def _word_alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())
