"""``@defer`` and ``@stream`` answers as ``multipart/mixed`` in the shape Apollo's clients
and routers read (``deferSpec=20220824``).

graphql-core (and Strawberry after it) speaks the newer draft, in which each later part
names an earlier ``pending`` entry by id. Clients of the 2022 format read instead each
later part's ``incremental`` entries with the ``path`` their data goes at (a streamed
list's items at the index of the first of them), so the parts are restated in it: the
first ``{data, errors, extensions, hasNext}``, each later one ``{incremental: [{data |
items, path, label, errors}], hasNext}``. Parts are separated by the boundary ``-`` and
the body ends with ``-----``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.http.streaming import (
    JSONEncoder,
    MultipartDataStream,
    MultipartTextStream,
    MultipartTransport,
)

DEFER_SPEC = "20220824"
CONTENT_TYPE = f'multipart/mixed; boundary="-"; deferSpec={DEFER_SPEC}'
Part = dict[str, Any]


class DeferSpecTransport(MultipartTransport):
    """Strawberry's multipart writer, with each part restated in the 2022 format."""

    @property
    def headers(self) -> Mapping[str, str]:
        # A proxy (nginx) must pass each part on as it comes, not hold the answer whole.
        return {"Content-Type": CONTENT_TYPE, "X-Accel-Buffering": "no"}

    def stream(self, data: MultipartDataStream, encode_json: JSONEncoder) -> MultipartTextStream:
        async def restated() -> AsyncGenerator[object, None]:
            parts = _Restated()
            async for part in data():
                assert isinstance(part, dict)
                out = parts.restate(part)
                if out is not None:
                    yield out

        return super().stream(restated, encode_json)


@dataclass(slots=True)
class _Pending:
    """A part still to come: where its data goes, and for a list, how many items it has."""

    path: list[str | int]
    label: str | None
    items: int | None  # None for a deferred fragment


class _Restated:
    """The parts of one answer so far: the data sent, and the parts still to come."""

    def __init__(self) -> None:
        self.data: Any = None
        self.pending: dict[str, _Pending] = {}
        self.started = False

    def restate(self, part: Part) -> Part | None:
        """The part in the 2022 format; None for one that tells such a client nothing."""
        if not self.started:
            self.started = True
            return self._first(part)
        entries = [self._item(item) for item in part.get("incremental") or ()]
        entries += [
            self._failed(done) for done in part.get("completed") or () if done.get("errors")
        ]
        self._announce(part.get("pending") or [])
        for done in part.get("completed") or ():
            self.pending.pop(done["id"], None)
        out: Part = {"hasNext": part["hasNext"]}
        if entries:
            out = {"incremental": entries, **out}
        if part.get("extensions"):
            out["extensions"] = part["extensions"]
        return out if entries or not part["hasNext"] or "extensions" in out else None

    def _first(self, part: Part) -> Part:
        self.data = part.get("data")
        self._announce(part.get("pending") or [])
        out = {key: part[key] for key in ("data", "errors", "extensions") if part.get(key)}
        return {"data": part.get("data"), **out, "hasNext": part.get("hasNext", False)}

    def _announce(self, pending: list[Part]) -> None:
        for entry in pending:
            path = list(entry["path"])
            there = _at(self.data, path)
            items = len(there) if isinstance(there, list) else None
            self.pending[entry["id"]] = _Pending(path, entry.get("label"), items)

    def _item(self, item: Part) -> Part:
        pending = self.pending[item["id"]]
        if pending.items is None:  # a deferred fragment's data, maybe below its path
            path = [*pending.path, *(item.get("subPath") or ())]
            _merge(self.data, path, item["data"])
            entry: Part = {"data": item["data"], "path": path}
        else:  # a streamed list's next items
            entry = {"items": item["items"], "path": [*pending.path, pending.items]}
            _extend(self.data, pending.path, item["items"])
            pending.items += len(item["items"])
        return _finished(entry, pending.label, item)

    def _failed(self, done: Part) -> Part:
        """A part that failed whole: its data null, and why."""
        pending = self.pending[done["id"]]
        if pending.items is None:
            entry: Part = {"data": None, "path": pending.path}
        else:
            entry = {"items": None, "path": [*pending.path, pending.items]}
        return _finished(entry, pending.label, done)


def _finished(entry: Part, label: str | None, source: Part) -> Part:
    if label is not None:
        entry["label"] = label
    for key in ("errors", "extensions"):
        if source.get(key):
            entry[key] = source[key]
    return entry


def _at(data: Any, path: list[str | int]) -> Any:
    """The value at ``path``, or None where the data holds none."""
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def _merge(data: Any, path: list[str | int], more: Mapping[str, Any]) -> None:
    """Writes ``more`` into the object at ``path``, deeply, as a client would."""
    target = _at(data, path)
    if isinstance(target, dict):
        _merged(target, more)


def _merged(target: dict[str, Any], more: Mapping[str, Any]) -> None:
    for key, value in more.items():
        known = target.get(key)
        if isinstance(value, dict) and isinstance(known, dict):
            _merged(known, value)
        elif isinstance(value, list) and isinstance(known, list) and len(value) == len(known):
            for old, new in zip(known, value, strict=True):
                if isinstance(old, dict) and isinstance(new, dict):
                    _merged(old, new)
        else:
            target[key] = value


def _extend(data: Any, path: list[str | int], items: list[Any]) -> None:
    target = _at(data, path)
    if isinstance(target, list):
        target.extend(items)
