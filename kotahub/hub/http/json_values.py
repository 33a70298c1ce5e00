"""Counting the values of a JSON text before it is parsed, in a few passes at C speed."""

from __future__ import annotations

import re

# A string, to its closing quote or as far as an unterminated one reaches; possessive, so
# that no character is read twice.
_STRING = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)


def values_over(text: str, limit: int) -> bool:
    """Whether ``text`` holds more than ``limit`` values, counted without parsing it.

    Each item of an array or object follows its opening bracket or a comma, so brackets and
    commas outside strings count the items, plus one for each empty array or object: what
    parsing costs grows with that count, not with the length of the text. Strings may hold
    any number of brackets and commas, so when the whole text has too many they are taken
    out and the rest counted again, unless there are already more strings than the limit
    allows: two for each item (an object member's key and value), and the outermost value."""
    if _structural(text) <= limit:
        return False
    text = text.replace("\\\\", "")  # escaped backslashes: what is left of "\" escapes "
    strings = (text.count('"') - text.count('\\"')) // 2
    if strings > 2 * limit + 1:
        return True
    # At most 2 * strings + 2 matches: each one ends at an unescaped quote, or at the end.
    return _structural(_STRING.sub("", text)) > limit


def _structural(text: str) -> int:
    return text.count("[") + text.count("{") + text.count(",")
