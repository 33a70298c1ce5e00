"""One line for a setting that does not validate: which, from where, what was given and expected."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from kotahub.redaction import redacted


def describe_validation_error(
    exc: ValidationError,
    origin: str = "",
    prefix: str = "",
    environment: Mapping[str, str] | None = None,
) -> str:
    """One line naming the setting, where it came from, the value given and what was expected.

    ``environment`` names the variables that set a top-level field, where they differ from
    ``KOTAHUB_<FIELD>``; a ``prefix`` (a source's options) has no variable of its own.
    """
    environment = environment or {}
    first = exc.errors()[0]
    loc = [str(part) for part in first["loc"] if not _is_type_tag(part)]
    loc[:1] = [_field_of_alias(environment).get(loc[0], loc[0])] if loc else []
    key = ".".join([prefix, *loc] if prefix else loc) or "settings"
    shown = repr(redacted(first.get("input"), key))
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    env = environment.get(loc[0], f"KOTAHUB_{loc[0].upper()}") if loc and not prefix else ""
    where = f"{origin} (environment {env})" if env else origin
    return f"invalid setting '{key}'{where}: got {shown}; {first['msg']}{more}"


def _field_of_alias(environment: Mapping[str, str]) -> dict[str, str]:
    return {alias: field for field, names in environment.items() for alias in names.split(" or ")}


def _is_type_tag(part: object) -> bool:
    """Pydantic adds the tried type ('str', 'int', …) to locations inside unions."""
    return part in {"str", "int", "float", "bool"}
