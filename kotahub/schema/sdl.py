"""The hub's schema as SDL, exactly what introspection of a running hub describes."""

from __future__ import annotations

from strawberry.printer import print_schema

from kotahub.schema.build import build_schema


def schema_sdl() -> str:
    """The schema definition language text of the served schema, ending in a newline."""
    return print_schema(build_schema()) + "\n"
