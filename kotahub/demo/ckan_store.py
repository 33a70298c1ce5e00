"""The CKAN upstream's data: Balikpapan smart-city packages and one DataStore table, loaded once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "ckan.json"
DIMENSIONS = ("governance", "branding", "economy", "living", "society", "environment")


@dataclass(frozen=True, slots=True)
class Table:
    """A DataStore resource: its column definitions (``_id`` first) and its records."""

    resource_id: str
    fields: tuple[dict[str, str], ...]
    records: tuple[dict[str, Any], ...]

    @property
    def columns(self) -> dict[str, str]:
        """Column name → DataStore type."""
        return {field["id"]: field["type"] for field in self.fields}


@dataclass(frozen=True, slots=True)
class Store:
    """Every package sorted by name, and the DataStore tables by resource id."""

    packages: tuple[dict[str, Any], ...]
    tables: dict[str, Table]

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Store:
        document = json.loads(path.read_text(encoding="utf-8"))
        packages = tuple(sorted(document["packages"], key=lambda p: str(p["name"])))
        tables = {t.resource_id: t for t in map(_table, document["datastore"])}
        return cls(packages, tables)


def _table(stored: dict[str, Any]) -> Table:
    """A table with ``_id`` numbered 1… in stored order, as the DataStore does."""
    fields = ({"id": "_id", "type": "int"}, *stored["fields"])
    records = tuple({"_id": n, **r} for n, r in enumerate(stored["records"], start=1))
    return Table(str(stored["resource_id"]), fields, records)


def extras(package: dict[str, Any]) -> dict[str, str]:
    """A package's ``extras`` list as a dict."""
    return {str(e["key"]): str(e["value"]) for e in package.get("extras", [])}
