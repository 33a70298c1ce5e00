"""The published schema stays as it is: a change to it is made on purpose, never by a refactor."""

from __future__ import annotations

from pathlib import Path

import pytest

from kotahub.schema.sdl import schema_sdl

PUBLISHED = Path(__file__).parent / "published"


@pytest.mark.parametrize(
    ("federation", "file"), [(False, "schema.graphql"), (True, "subgraph.graphql")]
)
def test_the_schema_is_the_published_one_byte_for_byte(federation: bool, file: str) -> None:
    published = (PUBLISHED / file).read_text()
    flag = " --federation" if federation else ""
    assert schema_sdl(federation=federation) == published, (
        f"the schema differs from tests/schema/published/{file}; if the change is meant, "
        f"publish it with: kotahub schema{flag} > tests/schema/published/{file}"
    )
