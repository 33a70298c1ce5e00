"""Plain fields answer the same when graphql-core calls their resolvers directly."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry

from kotahub.schema.build import build_schema
from kotahub.schema.direct_resolvers import resolve_plain_fields_directly


@strawberry.enum
class Colour(Enum):
    RED = "red"


@strawberry.type
class Thing:
    value: strawberry.Private[int]

    @strawberry.field
    def doubled(self) -> int:
        return self.value * 2

    @strawberry.field
    def colour(self) -> Colour:
        return Colour.RED

    @strawberry.field
    def asked_as(self, info: strawberry.Info) -> str:
        return info.field_name

    @strawberry.field
    def plus(self, more: int = 1) -> int:
        return self.value + more

    @strawberry.field
    def named(
        self, info: strawberry.Info, tone: Colour | None = None, in_words: bool = False
    ) -> str:
        return f"{info.path.key}:{tone}:{in_words}"

    @strawberry.field
    def listed(self, values: list[int] | None = None) -> int:
        return sum(values or [])

    @strawberry.field
    def broken(self) -> int | None:
        raise ValueError("no value here")


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing]:
        return [Thing(value=1), Thing(value=2)]


QUERY = """{ things { doubled colour askedAs other: askedAs plus(more: 5) broken
  named plain: named(tone: RED, inWords: true) listed(values: [1, 2]) } }"""


def _run(schema: strawberry.Schema) -> dict[str, Any]:
    result = schema.execute_sync(QUERY)
    return {"data": result.data, "errors": [(e.message, e.path) for e in result.errors or []]}


def test_answers_and_errors_are_the_same_either_way() -> None:
    wired = strawberry.Schema(query=Query)
    direct = strawberry.Schema(query=Query)
    # things and Thing's own but ``listed`` (a list is copied by Strawberry, so left to it)
    assert resolve_plain_fields_directly(direct) == 7
    assert _run(direct) == _run(wired)
    assert _run(direct)["data"]["things"][0] == {
        "doubled": 2,
        "colour": "RED",
        "askedAs": "askedAs",
        "other": "askedAs",
        "plus": 6,
        "broken": None,
        "named": "named:None:False",
        "plain": "plain:Colour.RED:True",
        "listed": 3,
    }


def test_the_hub_resolves_its_plain_fields_directly_and_the_others_through_strawberry() -> None:
    schema = build_schema()._schema
    complaint, program = schema.type_map["Complaint"], schema.type_map["Program"]
    plain = complaint.fields["trackingId"].resolve  # type: ignore[attr-defined]
    with_lang = program.fields["name"].resolve  # type: ignore[attr-defined]
    nearby = schema.type_map["TouristSpot"].fields["nearby"].resolve  # type: ignore[attr-defined]
    assert plain.__module__ == with_lang.__module__ == "kotahub.schema.direct_resolvers"
    assert nearby.__module__.startswith("strawberry")  # async, and takes a list
