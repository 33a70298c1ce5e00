"""The ``datastore_search`` action: filters, q, fields, sort, limit/offset and ``_links``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from kotahub.demo.ckan_errors import not_found, validation_error
from kotahub.demo.ckan_params import Params, json_value, natural, text
from kotahub.demo.ckan_store import Table
from kotahub.demo.request_values import quoted

DEFAULT_LIMIT = 100
MAX_LIMIT = 32000
PATH = "/api/3/action/datastore_search"
LINKED = ("resource_id", "q", "filters", "fields", "sort", "limit")

Record = dict[str, Any]


def datastore_search(tables: dict[str, Table], params: Params, root: str) -> dict[str, Any]:
    """The ``result`` of datastore_search; ``root`` is the mount prefix for ``_links``."""
    table = find_table(tables, params)
    limit = natural(params, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    offset = natural(params, "offset", 0, 2**31)
    columns = selected_columns(table, params)
    accepts = record_test(table, params)
    matched = [r for r in sort_records(table, params) if accepts(r)]
    page = [{c: r[c] for c in columns} for r in matched[offset : offset + limit]]
    return {
        "include_total": True,
        "resource_id": table.resource_id,
        "fields": [{"id": c, "type": table.columns[c]} for c in columns],
        "records_format": "objects",
        "records": page,
        "limit": limit,
        "offset": offset,
        "_links": links(root, params, limit, offset),
        "total": len(matched),
        "total_was_estimated": False,
    }


def find_table(tables: dict[str, Table], params: Params) -> Table:
    """The table ``resource_id`` (or its alias ``id``) names."""
    resource_id = text(params, "resource_id") or text(params, "id")
    if resource_id is None:
        raise validation_error(
            "resource_id", "Missing value: resource_id is required (the DataStore resource id)"
        )
    table = tables.get(resource_id)
    if table is None:
        raise not_found(f'Resource "{resource_id}" was not found.')
    return table


def selected_columns(table: Table, params: Params) -> list[str]:
    """The ``fields`` asked for (a comma list or a JSON list), in the order asked; else all."""
    raw = params.get("fields")
    if raw is None or raw == "":
        return list(table.columns)
    names = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise validation_error("fields", "Expected a comma-separated list of column names")
    wanted = [n.strip().strip('"') for n in names if n.strip()]
    _known(table, "fields", wanted)
    return list(dict.fromkeys(wanted))


def _known(table: Table, param: str, names: list[str]) -> None:
    for name in names:
        if name not in table.columns:
            raise validation_error(
                param,
                f"field {quoted(name)} not in table; the columns are {', '.join(table.columns)}",
            )


def record_test(table: Table, params: Params) -> Callable[[Record], bool]:
    """Whether a record passes ``filters`` and contains every word of ``q``."""
    filters = record_filters(table, params)
    words = query_words(params)

    def accepts(record: Record) -> bool:
        if any(not _matches(record[c], wanted) for c, wanted in filters.items()):
            return False
        row = " ".join(str(v) for v in record.values()).casefold()
        return all(word in row for word in words)

    return accepts


def record_filters(table: Table, params: Params) -> dict[str, list[Any]]:
    """``filters`` as column → accepted values; bad JSON or unknown columns are errors."""
    if params.get("filters") in (None, ""):
        return {}
    filters = json_value(params, "filters")
    if not isinstance(filters, dict):
        raise validation_error(
            "filters", 'Not a JSON object: expected {"column": value or [values], ...}'
        )
    _known(table, "filters", list(filters))
    return {c: v if isinstance(v, list) else [v] for c, v in filters.items()}


def _matches(value: Any, accepted: list[Any]) -> bool:
    return any(value == a or str(value).casefold() == str(a).casefold() for a in accepted)


def query_words(params: Params) -> list[str]:
    """The words of the full-text ``q``; each must occur somewhere in a record."""
    q = params.get("q")
    if q is None:
        return []
    if not isinstance(q, str):
        raise validation_error("q", "Expected a text query (a string)")
    return q.casefold().split()


def sort_records(table: Table, params: Params) -> list[Record]:
    """The records in ``sort`` order (``"col asc, col2 desc"``); by ``_id`` when absent."""
    records = list(table.records)
    keys = sort_keys(table, text(params, "sort"))
    for column, descending in reversed(keys):
        records.sort(key=_sort_key(column), reverse=descending)
    return records


def _sort_key(column: str) -> Callable[[Record], tuple[int, float, str]]:
    return lambda record: _sortable(record[column])


def sort_keys(table: Table, sort: str | None) -> list[tuple[str, bool]]:
    """``(column, descending)`` pairs of a sort clause."""
    keys: list[tuple[str, bool]] = []
    for clause in (sort or "").split(","):
        parts = clause.split()
        if not parts:
            continue
        if len(parts) > 2 or (len(parts) == 2 and parts[1].lower() not in ("asc", "desc")):
            raise validation_error(
                "sort", f"Cannot sort by {quoted(clause.strip())}: expected 'column [asc|desc]'"
            )
        column = parts[0].strip('"')
        _known(table, "sort", [column])
        keys.append((column, len(parts) == 2 and parts[1].lower() == "desc"))
    return keys


def _sortable(value: Any) -> tuple[int, float, str]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def links(root: str, params: Params, limit: int, offset: int) -> dict[str, str]:
    """Root-relative ``start`` and ``next`` links carrying the search's own parameters."""
    kept = {
        name: _link_value(params[name]) for name in LINKED if params.get(name) not in (None, "")
    }
    kept["limit"] = str(limit)
    start = f"{root}{PATH}?{urlencode(kept)}"
    return {"start": start, "next": f"{start}&{urlencode({'offset': offset + limit})}"}


def _link_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
