"""The ``attribute[code]`` fields of POST requests, checked against a service definition."""

from __future__ import annotations

import re
from collections.abc import Sequence

from kotahub.demo.open311_catalogue import LIST_DATATYPES, Attribute, Service
from kotahub.demo.open311_time import W3C_EXAMPLE, parse_w3c
from kotahub.demo.request_values import finite, quoted

MAX_VALUE_LENGTH = 4000
AttributeValue = str | list[str]
_FIELD = re.compile(r"attribute\[([^\[\]]+)\](\[\])?")


def attribute_values(pairs: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    """The non-empty values sent per attribute code.

    Both ``attribute[code]=v`` and the spec's multivaluelist form ``attribute[code][]=v``
    are read; an empty value counts as not sent (the spec's "optional" rule).
    """
    values: dict[str, list[str]] = {}
    for name, raw in pairs:
        match = _FIELD.fullmatch(name)
        if match and raw.strip():
            values.setdefault(match.group(1), []).append(raw.strip())
    return values


def check_attributes(
    service: Service, given: dict[str, list[str]]
) -> tuple[dict[str, AttributeValue], list[str]]:
    """The accepted values by code, and a description of each problem found."""
    known = {a.code: a for a in service.attributes}
    errors = [_unexpected(service, known, code) for code in given if _is_unexpected(known, code)]
    accepted: dict[str, AttributeValue] = {}
    for attribute in service.attributes:
        values = given.get(attribute.code, [])
        if not attribute.variable or not values:
            if attribute.variable and attribute.required:
                errors.append(_missing(service, attribute))
            continue
        problem = value_problem(attribute, values)
        if problem:
            errors.append(f"attribute[{attribute.code}] {problem}")
        else:
            multi = attribute.datatype == "multivaluelist"
            accepted[attribute.code] = values if multi else values[0]
    return accepted, errors


def value_problem(attribute: Attribute, values: Sequence[str]) -> str | None:
    """What is wrong with ``values`` for ``attribute``, or None when they are acceptable."""
    if attribute.datatype != "multivaluelist" and len(values) > 1:
        return f"takes one value, got {len(values)}."
    for value in values:
        if len(value) > MAX_VALUE_LENGTH:
            return f"is {len(value)} characters long; at most {MAX_VALUE_LENGTH} are accepted."
        problem = _datatype_problem(attribute, value)
        if problem:
            return problem
    return None


def _datatype_problem(attribute: Attribute, value: str) -> str | None:
    datatype = attribute.datatype
    if datatype == "number" and finite(value) is None:
        return f"must be a number (datatype number), e.g. 30; got {quoted(value)}."
    if datatype == "datetime" and parse_w3c(value) is None:
        return (
            "must be a W3C date-time with a time zone (datatype datetime), e.g. "
            f"{W3C_EXAMPLE}; got {quoted(value)}."
        )
    if datatype == "string" and ("\n" in value or "\r" in value):
        return "must be a single line (datatype string); use no line breaks."
    keys = [key for key, _ in attribute.values]
    if datatype in LIST_DATATYPES and value not in keys:
        return f"must be one of the keys {', '.join(keys)} ({datatype}); got {quoted(value)}."
    return None


def _is_unexpected(known: dict[str, Attribute], code: str) -> bool:
    return code not in known or not known[code].variable


def _unexpected(service: Service, known: dict[str, Attribute], code: str) -> str:
    variable = ", ".join(a.code for a in service.attributes if a.variable)
    if code in known:
        return (
            f"attribute[{code}] is information for the user and takes no value; "
            f"the attributes of {quoted(service.code)} that take values are {variable}."
        )
    return (
        f"attribute[{code}] is not an attribute of service {quoted(service.code)}; "
        f"its attributes are {variable} (see services/{service.code}.json)."
    )


def _missing(service: Service, attribute: Attribute) -> str:
    expected = attribute.datatype_description or attribute.datatype
    if attribute.values:
        how = "one or more" if attribute.datatype == "multivaluelist" else "one"
        expected = f"{how} of the keys {', '.join(key for key, _ in attribute.values)}"
    return (
        f"attribute[{attribute.code}] is required for service {quoted(service.code)} "
        f"({attribute.description}); send {expected}."
    )
