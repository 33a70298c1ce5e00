"""The hub's schema as SDL, exactly what introspection of a running hub describes."""

from __future__ import annotations

from strawberry.printer import print_schema

from kotahub.schema.build import build_schema


def schema_sdl(federation: bool = False) -> str:
    """The schema definition language text of the served schema, ending in a newline; with
    ``federation``, the subgraph SDL that ``_service { sdl }`` gives."""
    return print_schema(build_schema(federation)) + "\n"
