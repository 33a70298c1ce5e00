"""``kotahub schema``: the SDL printed is the schema a running hub describes by introspection."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from graphql import (
    GraphQLSchema,
    build_client_schema,
    build_schema,
    get_introspection_query,
    lexicographic_sort_schema,
    print_schema,
)

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory
from tests.support.graphql import gql

pytestmark = pytest.mark.system


def _kotahub(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kotahub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=env,
    )


def test_prints_the_sdl_to_stdout_or_a_file(tmp_path: Path) -> None:
    printed = _kotahub("schema").stdout
    output = tmp_path / "schema.graphql"
    assert _kotahub("schema", "--output", str(output)).stdout == ""
    assert output.read_text(encoding="utf-8") == printed
    schema = build_schema(printed)
    assert schema.query_type is not None and "touristSpots" in schema.query_type.fields
    assert schema.mutation_type is not None and "submitComplaint" in schema.mutation_type.fields


async def test_the_sdl_is_what_introspection_of_the_hub_gives(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    printed = _kotahub("schema").stdout
    async with hub(hub_settings()) as client:
        answer = await gql(client, get_introspection_query(descriptions=True))
    assert "errors" not in answer
    served = build_client_schema(answer["data"])
    assert _sorted(build_schema(printed)) == _sorted(served)


def _sorted(schema: GraphQLSchema) -> str:
    """The SDL with types in name order: introspection lists them in its own order."""
    return print_schema(lexicographic_sort_schema(schema))


def test_federation_prints_the_subgraph_sdl_by_flag_setting_or_config(tmp_path: Path) -> None:
    plain = _kotahub("schema").stdout
    flagged = _kotahub("schema", "--federation").stdout
    config = tmp_path / "hub.toml"
    config.write_text("federation = true\n", encoding="utf-8")
    assert _kotahub("schema", "--config", str(config)).stdout == flagged
    environment = {**os.environ, "KOTAHUB_FEDERATION": "true"}
    assert _kotahub("schema", env=environment).stdout == flagged
    assert flagged.startswith('schema @link(url: "https://specs.apollo.dev/federation/v2.0"')
    assert 'type TouristSpot implements Place & Node @key(fields: "id") {' in flagged
    assert "_entities(representations: [_Any!]!): [_Entity]!" in flagged
    assert "@key" not in plain and "_entities" not in plain and "_service" not in plain
