"""Incremental delivery (``@defer``, ``@stream``): every part of an answer under the hub's
error policy.

graphql-core answers such an operation with a first part and a stream of later ones, and
Strawberry's extensions see the first part only. Here each part's errors are shaped as
ErrorPolicy shapes a whole answer's (codes added, surprises masked), each source failure a
resolver reports goes out with the part that carries the data it concerns, and the last
part says which sources were served stale.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from typing import Any

from graphql import (
    ExperimentalIncrementalExecutionResults,
    GraphQLError,
    IncrementalDeferResult,
    InitialIncrementalExecutionResult,
    SubsequentIncrementalExecutionResult,
)

from kotahub.schema.context import GraphQLContext
from kotahub.schema.errors import shaped
from kotahub.schema.freshness import stale_report

Incremental = ExperimentalIncrementalExecutionResults
Path = Sequence[str | int]
STREAMED = object()  # the data of a part that streams list items: they lie under its path


def shaped_parts(result: Incremental, context: GraphQLContext) -> Incremental:
    """The same answer, each of its parts shaped as it is handed on."""
    parts = _Parts(context)
    return Incremental(parts.first(result.initial_result), parts.later(result.subsequent_results))


class _Parts:
    """What is known between the parts of one answer: the paths of those still to come,
    and the source failures reported so far but not yet sent."""

    def __init__(self, context: GraphQLContext) -> None:
        self.context = context
        self.paths: dict[str, Path] = {}
        self.waiting: list[GraphQLError] = []
        self.seen = 0

    def first(
        self, initial: InitialIncrementalExecutionResult
    ) -> InitialIncrementalExecutionResult:
        self.paths.update((pending.id, pending.path) for pending in initial.pending)
        errors = [*self._shaped(initial.errors), *self._reported([], initial.data)]
        initial.errors = errors or None
        return initial

    async def later(
        self, results: AsyncGenerator[SubsequentIncrementalExecutionResult, None]
    ) -> AsyncGenerator[SubsequentIncrementalExecutionResult, None]:
        try:
            async for result in results:
                yield self._next(result)
        finally:
            await results.aclose()

    def _next(
        self, result: SubsequentIncrementalExecutionResult
    ) -> SubsequentIncrementalExecutionResult:
        self.paths.update((pending.id, pending.path) for pending in result.pending or ())
        items = result.incremental or []
        for item in items:
            path = [*self.paths.get(item.id, []), *(item.sub_path or [])]
            data = item.data if isinstance(item, IncrementalDeferResult) else STREAMED
            errors = [*self._shaped(item.errors), *self._reported(path, data)]
            item.errors = errors or None
        for completed in result.completed or ():
            completed.errors = self._shaped(completed.errors) or None
        if not result.has_next:
            self._last(result)
        return result

    def _last(self, result: SubsequentIncrementalExecutionResult) -> None:
        """Failures no part's data held (a nulled parent) go out with the last part."""
        self._collect()
        left, self.waiting = self.waiting, []
        if left and result.incremental:
            last = result.incremental[-1]
            last.errors = [*(last.errors or []), *left]
        elif left and result.completed:
            last_done = result.completed[-1]
            last_done.errors = [*(last_done.errors or []), *left]
        stale = stale_report()
        if stale:
            result.extensions = {**(result.extensions or {}), **stale}

    def _shaped(self, errors: Sequence[GraphQLError] | None) -> list[GraphQLError]:
        return [shaped(error, self.context.request_id) for error in errors or ()]

    def _reported(self, path: Path, data: Any) -> list[GraphQLError]:
        """The failures reported since the last part whose field lies in ``data`` (at
        ``path``), or just under ``path`` when the part streams list items."""
        self._collect()
        mine: list[GraphQLError] = []
        rest: list[GraphQLError] = []
        for error in self.waiting:
            (mine if _carries(path, data, error.path or []) else rest).append(error)
        self.waiting = rest
        return mine

    def _collect(self) -> None:
        reported = self.context.source_failures
        self.waiting += reported[self.seen :]
        self.seen = len(reported)


def _carries(path: Path, data: Any, where: Path) -> bool:
    """Whether a part at ``path`` with ``data`` holds the field at ``where``: it is there,
    or a parent of it was answered null."""
    if list(where[: len(path)]) != list(path) or len(where) <= len(path):
        return False
    if data is STREAMED:
        return True
    for key in where[len(path) :]:
        if data is None:
            return True
        found, data = _step(data, key)
        if not found:
            return False
    return True


def _step(data: Any, key: str | int) -> tuple[bool, Any]:
    """Whether ``data`` holds ``key``, and what it holds there."""
    if isinstance(data, dict) and isinstance(key, str):
        return key in data, data.get(key)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return True, data[key]
    return False, None
