"""The ``package_search`` action: free text ``q``, a subset of Solr ``fq``, sort and paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kotahub.demo.ckan_errors import validation_error
from kotahub.demo.ckan_params import Params, natural, text
from kotahub.demo.ckan_store import extras
from kotahub.demo.request_values import quoted

MAX_ROWS = 1000
DEFAULT_SORT = "name asc"
FQ_FIELDS = ("extras_*", "organization", "tags", "name", "state")
SORT_FIELDS = {"name": "name", "title": "title", "title_string": "title"}
SORT_FIELDS["metadata_modified"] = "metadata_modified"
_FQ_TERM = re.compile(r'\s*(?:(AND)(?=\s)|([A-Za-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"]+)))\s*')

Package = dict[str, Any]
Test = Callable[[Package], bool]


def package_search(packages: tuple[Package, ...], params: Params) -> dict[str, Any]:
    """The ``result`` of package_search over ``packages``."""
    rows = natural(params, "rows", 10, MAX_ROWS)
    start = natural(params, "start", 0, 2**31)
    sort = text(params, "sort") or DEFAULT_SORT
    ordered = sorted_packages(packages, sort)
    tests = [*query_tests(text(params, "q")), *filter_tests(text(params, "fq"))]
    matched = [p for p in ordered if all(test(p) for test in tests)]
    return {
        "count": len(matched),
        "results": matched[start : start + rows],
        "sort": sort,
        "facets": {},
        "search_facets": {},
    }


def query_tests(q: str | None) -> list[Test]:
    """Every word of ``q`` must occur (case-insensitively) in the title, notes, tags or extras."""
    if q is None or q.strip() in ("", "*:*"):
        return []
    return [_contains(word) for word in q.casefold().split()]


def _contains(word: str) -> Test:
    return lambda package: word in _searchable(package)


def _searchable(package: Package) -> str:
    tags = " ".join(str(tag["name"]) for tag in package.get("tags", []))
    words = [package.get("name"), package.get("title"), package.get("notes"), tags]
    return " ".join(map(str, [*words, *extras(package).values()])).casefold()


def filter_tests(fq: str | None) -> list[Test]:
    """One test per ``field:value`` term of ``fq``; terms are joined by spaces or ``AND``."""
    tests: list[Test] = []
    position = 0
    while fq is not None and position < len(fq):
        match = _FQ_TERM.match(fq, position)
        if match is None or match.end() == position:
            raise validation_error("fq", _fq_message(fq[position:]))
        if match.group(2) is not None:
            value = match.group(3) if match.group(3) is not None else match.group(4)
            tests.append(_field_test(match.group(2), value.replace('\\"', '"')))
        position = match.end()
    return tests


def _fq_message(rest: str) -> str:
    return (
        f'Cannot parse fq at {quoted(rest)}: expected field:value or field:"quoted value" '
        f"terms joined by spaces or AND, with fields {', '.join(FQ_FIELDS)}"
    )


def _field_test(field: str, value: str) -> Test:
    wanted = value.casefold()
    if field.startswith("extras_") and len(field) > len("extras_"):
        key = field.removeprefix("extras_")
        return lambda p: extras(p).get(key, "").casefold() == wanted
    if field == "organization":
        return lambda p: str((p.get("organization") or {}).get("name", "")).casefold() == wanted
    if field == "tags":
        return lambda p: any(str(t["name"]).casefold() == wanted for t in p.get("tags", []))
    if field in ("name", "state"):
        return lambda p: str(p.get(field, "")).casefold() == wanted
    raise validation_error(
        "fq", f"Unknown fq field {quoted(field)}: expected one of {', '.join(FQ_FIELDS)}"
    )


def sorted_packages(packages: tuple[Package, ...], sort: str) -> list[Package]:
    """``packages`` in the order ``sort`` (``<field> asc|desc``) names."""
    parts = sort.split()
    field = SORT_FIELDS.get(parts[0]) if len(parts) == 2 else None
    if field is None or parts[1] not in ("asc", "desc"):
        raise validation_error(
            "sort",
            f"Cannot sort by {quoted(sort)}: expected '<field> asc' or '<field> desc' with "
            f"field one of {', '.join(SORT_FIELDS)}",
        )
    key = (lambda p: str(p[field]).casefold()) if field == "title" else (lambda p: str(p[field]))
    return sorted(packages, key=key, reverse=parts[1] == "desc")
