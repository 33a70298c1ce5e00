"""Composing subgraph SDLs into a supergraph with the npm composition library, run by node."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scripts.install_federation_composition import COMPOSITION, NODE_MODULES, NPM_PROJECT
from scripts.node_tools import node_command

COMPOSE_SCRIPT = NPM_PROJECT / "compose.mjs"


@dataclass(frozen=True)
class Subgraph:
    name: str
    sdl: str
    url: str = ""

    def as_input(self) -> dict[str, str]:
        url = self.url or f"http://{self.name}.test/graphql"
        return {"name": self.name, "url": url, "sdl": self.sdl}


@dataclass(frozen=True)
class Composed:
    """A supergraph, or the composition errors (each a message and a code)."""

    supergraph_sdl: str | None
    public_sdl: str | None
    errors: list[dict[str, Any]]


def compose(*subgraphs: Subgraph) -> Composed:
    if not (NODE_MODULES / COMPOSITION / "package.json").is_file():
        pytest.fail(
            f"{COMPOSITION} is not installed in {Path(NODE_MODULES).name}: run `make test`, "
            "or `python scripts/install_federation_composition.py` in this environment"
        )
    payload = json.dumps({"subgraphs": [subgraph.as_input() for subgraph in subgraphs]})
    result = subprocess.run(
        [*node_command(), str(COMPOSE_SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    return Composed(answer.get("supergraphSdl"), answer.get("publicSdl"), answer.get("errors", []))
