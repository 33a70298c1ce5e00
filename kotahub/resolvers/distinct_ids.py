"""Every record of a source reachable by an id of its own, when the source gives two one id.

Records that share an id but differ are each listed under the id and a short hash of their
content (``3~5f2a9c1e``): the same for the same data after a restart and on every replica,
and whatever the order the source lists them in (a position in the list would change when
the source reorders it or adds a record before them, and the first-listed keeping the bare id
would hand it to the other one then). The bare id names neither any more: asked for, it is
not found rather than the wrong one. A record repeated with the same content (a page boundary
that moved while the pages were read) is listed once, under its own id. Each source's repeated
ids are logged once per fetch of the data that holds them, not once per request.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol, TypeVar

log = logging.getLogger("kotahub.resolvers")
SEPARATOR = "~"
HASH_LENGTH = 8  # hex digits: a clash among the few records sharing one id is unlikely
IDS_SHOWN = 3
WARNINGS_REMEMBERED = 1024
WarningKey = tuple[str, frozenset[str], int, frozenset[datetime]]
_warned: OrderedDict[WarningKey, None] = OrderedDict()


class Identified(Protocol):
    """A record with the source's own id, as every record listed is."""

    @property
    def local_id(self) -> str: ...


R = TypeVar("R", bound=Identified)


def distinct_ids(source: str, records: Sequence[R]) -> Sequence[R]:
    """The records in their order, each id given once (see the module's docstring)."""
    counts = Counter(record.local_id for record in records)
    repeated = {local_id for local_id, count in counts.items() if count > 1}
    if not repeated:
        return records
    digests = {
        index: content_hash(record)
        for index, record in enumerate(records)
        if record.local_id in repeated and dataclasses.is_dataclass(record)
    }
    contents: dict[str, set[str]] = {}
    for index, digest in digests.items():
        contents.setdefault(records[index].local_id, set()).add(digest)
    taken, seen, kept = set(counts), set(), []
    for index, record in enumerate(records):
        found = digests.get(index)
        if found is None:
            kept.append(record)
        elif (record.local_id, found) not in seen:
            seen.add((record.local_id, found))
            differing = len(contents[record.local_id]) > 1
            kept.append(_renamed(record, found, taken) if differing else record)
    shared = sorted(local_id for local_id, found in contents.items() if len(found) > 1)
    _warn_once(source, shared, records, len(records) - len(kept))
    return kept


def content_hash(record: Any) -> str:
    """A digest of what a record says, leaving out its id and when it was fetched. Fields at
    their defaults are left out too, so that a field the hub adds to its records later does
    not change the ids already given."""
    said = _said(record, leave_out=("local_id", "provenance"))
    text = json.dumps(said, sort_keys=True, default=_plain, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _said(value: Any, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A dataclass's fields that are not at their defaults."""
    return {
        field.name: getattr(value, field.name)
        for field in dataclasses.fields(value)
        if field.name not in leave_out and not _at_default(value, field)
    }


def _at_default(record: Any, field: dataclasses.Field[Any]) -> bool:
    value = getattr(record, field.name)
    if field.default is not dataclasses.MISSING:
        return bool(value == field.default)
    if field.default_factory is not dataclasses.MISSING:
        return bool(value == field.default_factory())
    return False


def base_id(local_id: str) -> str | None:
    """The source's own id of a record given a hub id for a repeated one (``3~5f2a9c1e``:
    "3"); None for any other id."""
    head, separator, digest = local_id.rpartition(SEPARATOR)
    hexadecimal = len(digest) >= HASH_LENGTH and all(c in "0123456789abcdef" for c in digest)
    return head if separator and head and hexadecimal else None


def _renamed(record: Any, digest: str, taken: set[str]) -> Any:
    """The record under its id and as much of its digest as no other id of the source has."""
    length = HASH_LENGTH
    while f"{record.local_id}{SEPARATOR}{digest[:length]}" in taken and length < len(digest):
        length += 4
    local_id = f"{record.local_id}{SEPARATOR}{digest[:length]}"
    taken.add(local_id)
    return dataclasses.replace(record, local_id=local_id)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _said(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    return repr(value)


def _warn_once(source: str, shared: list[str], records: Sequence[Any], repeats: int) -> None:
    """One warning for the ids ``shared`` by different records and the ``repeats`` listed
    once, per fetch of the records."""
    fetched = frozenset(
        record.provenance.fetched_at for record in records if hasattr(record, "provenance")
    )
    key = (source, frozenset(shared), repeats, fetched)
    if key in _warned:
        return
    _warned[key] = None
    if len(_warned) > WARNINGS_REMEMBERED:
        _warned.popitem(last=False)
    more = ", …" if len(shared) > IDS_SHOWN else ""
    log.warning(
        "source %s: %d ids given to different records (%s), each of them listed as the id, "
        "'~' and a hash of its content; %d records repeated alike, listed once",
        source,
        len(shared),
        ", ".join(shared[:IDS_SHOWN]) + more or "none",
        repeats,
    )
