"""The example queries of the README and docs/ run against the reference city as shown."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    OperationDefinitionNode,
    OperationType,
    TypeSystemDefinitionNode,
    TypeSystemExtensionNode,
    parse,
)
from httpx_sse import aconnect_sse

from kotahub.demo.app import DIMENSIONS_CKAN
from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, complaints_source, health_source, tourism_source
from tests.support.api_keys import ADMIN, api_keys
from tests.support.graphql import gql
from tests.support.live import serving_hub
from tests.support.servers import ThreadedServer

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^([ \t]*)```graphql[ \t]*\n(.*?)^[ \t]*```[ \t]*$", re.MULTILINE | re.DOTALL)
# A block that is not an ordinary query says what it is in a comment line of its own.
MARKER = re.compile(r"^#\s*(expect|needs):\s*(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    """One fenced ``graphql`` block of a page, and what running it must give."""

    page: str
    index: int
    line: int
    text: str
    expect: str  # "ok", "error", "admin" or "sdl"
    code: str | None = None

    @property
    def id(self) -> str:
        return f"{self.page}#{self.index}"


def _expectation(marker: tuple[str, str] | None, where: str) -> tuple[str, str | None]:
    """What a block's marker asks for; an unknown marker fails collection, naming the block."""
    if marker is None:
        return "ok", None
    key, value = marker
    words = value.split()
    if key == "expect" and len(words) == 2 and words[0] == "error":
        return "error", words[1]
    if key == "expect" and words == ["sdl"]:
        return "sdl", None
    if key == "needs" and words == ["admin", "key"]:
        return "admin", None
    raise ValueError(
        f"{where}: unknown marker '# {key}: {value}'; "
        "expected '# expect: error CODE', '# expect: sdl' or '# needs: admin key'"
    )


def _blocks(page: Path) -> Iterator[Block]:
    text = page.read_text(encoding="utf-8")
    name = page.relative_to(ROOT).as_posix()
    for index, found in enumerate(FENCE.finditer(text)):
        indent = len(found.group(1))
        body = "".join(line[indent:] for line in found.group(2).splitlines(keepends=True))
        line = text.count("\n", 0, found.start()) + 1
        markers = MARKER.findall(body)
        if len(markers) > 1:
            raise ValueError(f"{name}:{line}: more than one marker in one block")
        expect, code = _expectation(markers[0] if markers else None, f"{name}:{line}")
        yield Block(name, index, line, body, expect, code)


BLOCKS = [block for page in PAGES for block in _blocks(page)]
RUN = [pytest.param(block, id=block.id) for block in BLOCKS if block.expect != "sdl"]
SCHEMAS = [pytest.param(block, id=block.id) for block in BLOCKS if block.expect == "sdl"]


def test_the_readme_and_every_api_page_show_queries() -> None:
    shown = {block.page for block in BLOCKS}
    api_pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs" / "api").glob("*.md")}
    assert "README.md" in shown
    assert api_pages and api_pages <= shown, api_pages - shown


def test_no_query_hides_under_another_fence() -> None:
    other = re.compile(r"^[ \t]*```[ \t]*(gql|graphqls?)\b", re.MULTILINE | re.IGNORECASE)
    for page in PAGES:
        for found in other.finditer(page.read_text(encoding="utf-8")):
            assert found.group(1) == "graphql", f"{page.name}: fence it as ```graphql to run it"


@pytest.mark.parametrize("block", RUN)
def test_each_query_is_a_valid_document(block: Block) -> None:
    document = parse(block.text)
    assert all(isinstance(d, ExecutableDefinitionNode) for d in document.definitions), block.id


@pytest.mark.parametrize("block", SCHEMAS)
def test_each_schema_block_is_a_schema(block: Block) -> None:
    document = parse(block.text)
    kinds = (TypeSystemDefinitionNode, TypeSystemExtensionNode)
    assert all(isinstance(d, kinds) for d in document.definitions), block.id


@pytest.mark.parametrize("block", RUN)
async def test_each_query_runs_on_the_reference_city(
    block: Block,
    hub: HubFactory,
    hub_settings: Callable[..., Settings],
    request: pytest.FixtureRequest,
) -> None:
    overrides: dict[str, Any] = {"api_keys": api_keys()}
    if _is_mutation(parse(block.text)):
        # What a mutation files goes to an Open311 upstream of this test's own, never to the
        # reference city the other tests read.
        overrides["sources"] = _with_own_complaints(request)
    if _is_subscription(parse(block.text)):  # its first event, as Server-Sent Events
        anonymous, admin = await _first_event(hub_settings(**overrides), block.text), None
    else:
        async with hub(hub_settings(**overrides)) as client:
            anonymous = await gql(client, block.text)
            admin = (
                await gql(client, block.text, headers=ADMIN) if block.expect == "admin" else None
            )
    where = f"{block.page}:{block.line}"
    if block.expect == "error":
        codes = [e.get("extensions", {}).get("code") for e in anonymous.get("errors", [])]
        assert block.code in codes, (where, anonymous)
    elif block.expect == "admin":
        codes = [e.get("extensions", {}).get("code") for e in anonymous.get("errors", [])]
        assert "FORBIDDEN" in codes, (where, anonymous)
        assert admin is not None
        _assert_clean(admin, where)
    else:
        _assert_clean(anonymous, where)


def _with_own_complaints(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    """The reference sources, with complaints from the test's own Open311 upstream."""
    city: ThreadedServer = request.getfixturevalue("demo_server")
    open311: ThreadedServer = request.getfixturevalue("open311")
    return [
        tourism_source(city.url),
        health_source(city.url),
        complaints_source(city.url) | {"base_url": open311.url},
        {"name": "dimensions", "kind": "ckan", "base_url": f"{city.url}{DIMENSIONS_CKAN}"},
    ]


async def _first_event(settings: Settings, query: str) -> dict[str, Any]:
    headers = {"Accept": "text/event-stream"}
    async with (
        serving_hub(settings) as (base, _app),
        httpx.AsyncClient(base_url=base, timeout=10) as client,
        aconnect_sse(client, "POST", "/graphql", json={"query": query}, headers=headers) as sse,
    ):
        event = await anext(sse.aiter_sse())
    assert event.event == "next", event
    answer: dict[str, Any] = json.loads(event.data)
    return answer


def _is_subscription(document: DocumentNode) -> bool:
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.SUBSCRIPTION
        for d in document.definitions
    )


def _is_mutation(document: DocumentNode) -> bool:
    return any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in document.definitions
    )


def _assert_clean(body: dict[str, Any], where: str) -> None:
    """No errors, every root field answered, and no payload that reports errors of its own."""
    assert "errors" not in body, (where, body["errors"])
    data = body.get("data") or {}
    assert data and all(value is not None for value in data.values()), (where, data)
    assert not list(_payload_errors(data)), (where, list(_payload_errors(data)))


def _payload_errors(value: Any) -> Iterator[Any]:
    """Non-empty ``errors`` lists anywhere in the data, such as submitComplaint's."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "errors" and inner:
                yield inner
            else:
                yield from _payload_errors(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _payload_errors(inner)
