"""GraphQL's errors about input values, told without the values: only known forms pass."""

from __future__ import annotations

import re
from collections.abc import Callable

_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_UNKNOWN = r"[_A-Za-z][_0-9A-Za-z]{0,63}"  # a field the client named: quoted only if short
_TYPE = r"[_A-Za-z0-9\[\]!]+"  # a type as GraphQL prints it: [AnswerInput!]!
_PATH = r"(?:\.[_A-Za-z][_0-9A-Za-z]*|\[[0-9]+\])+"  # schema names and list indexes only
# graphql-core's did_you_mean: schema names only, so they may stay.
_SUGGESTION = rf" Did you mean (?:the enum value )?'{_NAME}'(?:(?:, |,? or )'{_NAME}')*\?"

# What graphql-core puts before the reason when a variable or an argument is at fault.
_WHERE = re.compile(
    rf"(?P<where>(?:Variable '\${_NAME}'(?: defined by fragment '{_NAME}')?|Argument '{_NAME}')"
    rf" has invalid (?:default )?value(?: at {_PATH})?): (?P<reason>.*)",
    re.DOTALL,
)
# Any other way of saying that a value was invalid (another version of graphql-core).
_INVALID = re.compile(
    rf"(?P<who>Variable '\${_NAME}'|Argument '{_NAME}')[^:;]*? (?:got|has) invalid .*", re.DOTALL
)
# Each reason graphql-core and Strawberry give, and how to say it without the value; the
# first that matches the whole reason wins.
_REASONS: list[tuple[str, Callable[[re.Match[str]], str]]] = [
    (rf"Expected value of non-null type '{_TYPE}' not to be None\.", lambda m: str(m[0])),
    (
        rf"(Expected value of type '{_TYPE}' to be an object), found: .*",
        lambda m: f"{m[1]}.",
    ),
    (
        rf"(Expected value of type '{_TYPE}' to include required field '{_NAME}'), found: .*",
        lambda m: f"{m[1]}.",
    ),
    (
        rf"(Expected value of type '{_TYPE}' not to include unknown field '{_UNKNOWN}')"
        rf"(?:\.({_SUGGESTION}) Found|, found): .*",
        lambda m: f"{m[1]}.{m[2] or ''}",
    ),
    (
        rf"(Expected value of type '{_TYPE}' not to include unknown field)s? .*",
        lambda m: f"{m[1]}s.",
    ),
    (rf"(Expected value of type '{_TYPE}')[,;.].*", lambda m: f"{m[1]}."),
    (
        rf"((?:Enum '{_NAME}'|{_NAME}) cannot represent [A-Za-z0-9 -]*?)(?::.*|\.)?",
        lambda m: str(m[1]),
    ),
    (
        rf"Value .*' does not exist in '({_NAME})' enum\.({_SUGGESTION})?",
        lambda m: f"Expected one of the values of enum '{m[1]}'.{m[2] or ''}",
    ),
    (
        rf"Within OneOf Input Object type '{_TYPE}', exactly one field must be specified, "
        r"and the value for that field must be non-null\.",
        lambda m: str(m[0]),
    ),
    (
        rf"Expected variable '\${_NAME}' provided to field '{_NAME}' for OneOf Input Object "
        rf"type '{_TYPE}' (?:to provide a runtime value|not to be None)\.",
        lambda m: str(m[0]),
    ),
]
_RULES = [(re.compile(pattern, re.DOTALL), say) for pattern, say in _REASONS]
UNKNOWN_REASON = "not a value of the type the schema declares here"


def without_values(message: str) -> str:
    """The message with no value the client sent (which may be someone's phone number or
    e-mail address): where the fault is and why stay, in a form known to hold no value.

    A variable or argument whose reason is of no known form is told in general terms;
    messages that are not about input values pass as they are."""
    where = _WHERE.fullmatch(message)
    if where is not None:
        return f"{where['where']}: {_reason(where['reason']) or UNKNOWN_REASON}"
    invalid = _INVALID.fullmatch(message)
    if invalid is not None:
        return f"{invalid['who']} has an invalid value: {UNKNOWN_REASON}"
    return _reason(message) or message


def _reason(text: str) -> str | None:
    for pattern, say in _RULES:
        found = pattern.fullmatch(text)
        if found is not None:
            return say(found)
    return None
