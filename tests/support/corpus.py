"""The upstream corpus: cases in the shape real servers answer, each a folder a partner can add.

A case is ``tests/corpus/<kind>/<case>/case.toml`` with the files it serves beside it; see
``tests/corpus/README.md`` for the format.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

CORPUS = Path(__file__).parent.parent / "corpus"
VERDICTS = ("PASS", "WARN", "FAIL")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the upstream answers at one path (and, where given, these query parameters)."""

    path: str
    status: int
    body: bytes
    content_type: str
    query: Mapping[str, str] = field(default_factory=dict)

    def matches(self, request: Request) -> bool:
        asked = dict(request.query_params)
        return all(asked.get(name) == value for name, value in self.query.items())


@dataclass(frozen=True, slots=True)
class Case:
    """One upstream as a real server answers, and what the hub must make of it."""

    kind: str
    name: str
    folder: Path
    description: str
    base_path: str
    options: Mapping[str, Any]
    answers: Sequence[Answer]
    expect: Mapping[str, Any]
    extra_origins: Sequence[str] = ()

    def origins(self, server_url: str) -> list[str]:
        """The case's ``extra_origins`` on a server at ``server_url`` (``{alias}`` filled)."""
        return [origin.replace("{alias}", alias_of(server_url)) for origin in self.extra_origins]

    @property
    def id(self) -> str:
        return f"{self.kind}/{self.name}"


def cases() -> list[Case]:
    """Every case of the corpus, in a stable order."""
    return [read_case(path.parent) for path in sorted(CORPUS.glob("*/*/case.toml"))]


def read_case(folder: Path) -> Case:
    data = tomllib.loads((folder / "case.toml").read_text())
    known = {"description", "base_path", "options", "route", "expect", "extra_origins"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{folder}/case.toml: unknown keys {sorted(unknown)}")
    verdict = data["expect"].get("check")
    if verdict is not None and verdict not in VERDICTS:
        raise ValueError(f"{folder}/case.toml: expect.check is {verdict!r}; one of {VERDICTS}")
    return Case(
        kind=folder.parent.name,
        name=folder.name,
        folder=folder,
        description=data["description"],
        base_path=data.get("base_path", "/"),
        options=data.get("options", {}),
        answers=[_answer(folder, route) for route in data["route"]],
        expect=data["expect"],
        extra_origins=data.get("extra_origins", ()),
    )


def _answer(folder: Path, route: Mapping[str, Any]) -> Answer:
    if "file" in route:
        body = (folder / route["file"]).read_bytes()
    else:
        body = route.get("body", "").encode()
    if "json" in route:
        body = json.dumps(route["json"]).encode()
    query = dict(parse_qsl(route.get("query", "")))
    content_type = route.get("content_type", "application/json")
    return Answer(route["path"], route.get("status", 200), body, content_type, query)


def alias_of(server_url: str) -> str:
    """The same server under another host name: another origin (``localhost``)."""
    return server_url.replace("//127.0.0.1:", "//localhost:")


def upstream_app(case: Case, base: str = "") -> Starlette:
    """Serves the case's answers; ``{base}`` in a body becomes the server's own address (as
    the request named it), ``{alias}`` its address under its other host name."""

    async def answer(request: Request) -> Response:
        for found in case.answers:
            if found.path == request.url.path and found.matches(request):
                body = found.body.replace(b"{base}", str(request.base_url).rstrip("/").encode())
                alias = f"http://localhost:{request.url.port}".encode()
                body = body.replace(b"{alias}", alias)
                return Response(body, found.status, media_type=found.content_type)
        return Response(b'{"error": "not in this case"}', 404, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "HEAD"])])


def value_at(record: Any, path: str) -> Any:
    """``services.0.opening_hours``: attributes and list indexes, one step at a time."""
    value = record
    for step in path.split("."):
        if isinstance(value, Sequence) and not isinstance(value, str) and step.isdigit():
            value = value[int(step)]
        elif isinstance(value, Mapping):
            value = value.get(step)
        else:
            value = getattr(value, step)
    return value
