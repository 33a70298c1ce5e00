"""What one request took from the sources: which, how fresh, until when it may be kept."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SourceUse:
    source: str
    fetched_at: datetime
    stale: bool
    fresh_until: float | None  # seconds since the epoch; None: not to be kept at all


@dataclass
class RequestTrace:
    """Filled by the source client as a request reads upstream answers, read by the HTTP
    layer to mark stale answers and to decide how long the whole response may be kept."""

    uses: list[SourceUse] = field(default_factory=list)

    def record(self, use: SourceUse) -> None:
        self.uses.append(use)

    @property
    def sources(self) -> frozenset[str]:
        return frozenset(use.source for use in self.uses)

    @property
    def stale(self) -> list[SourceUse]:
        return [use for use in self.uses if use.stale]

    def keep_until(self) -> float | None:
        """When the first of the answers used stops being fresh; None if any must not be
        kept or was stale."""
        if any(use.stale or use.fresh_until is None for use in self.uses):
            return None
        return min((use.fresh_until for use in self.uses if use.fresh_until), default=None)


CURRENT_TRACE: ContextVar[RequestTrace | None] = ContextVar("kotahub_request_trace", default=None)


def record_use(use: SourceUse) -> None:
    """Note a use in the trace of the request being served, if any."""
    trace = CURRENT_TRACE.get()
    if trace is not None:
        trace.record(use)
