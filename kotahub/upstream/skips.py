"""Records an adapter could not use, counted once per fetched page, never lost in silence.

A cached page is turned into records on every request that reads it; its skipped records
are counted, and logged, the first time only: per page fetched from the upstream, not per
request served from it.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter

from kotahub.upstream.failure_text import redacted

log = logging.getLogger("kotahub.upstream")
PAGES_REMEMBERED = 1024  # pages whose skips were counted; older ones may be counted again
REASONS_PER_SOURCE = 20  # distinct metric labels; further reasons are counted as "other"
OTHER = "other"


@dataclass(frozen=True, slots=True)
class Skip:
    """One record left out: a short, stable reason (a metric label, such as "no position")
    and what was wrong with which record."""

    reason: str
    detail: str = ""
    kept: bool = False  # the record is listed, without the part that could not be read

    # The reasons the hub's own adapters give; a partner's may give others.
    # "not a record": not the shape the protocol has; "no id", "no name", "no position":
    # a field the hub needs is missing or empty; "bad value": a field it reads is malformed;
    # "not a facility" and "inactive": the record describes something not to be listed.

    def told(self) -> str:
        return f"{self.reason}: {self.detail}" if self.detail else self.reason


class UnusableRecord(ValueError):
    """Raised where a record is read: this one cannot be used, and why (see ``Skip``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.skip = Skip(reason, detail)
        super().__init__(self.skip.told())


@dataclass(frozen=True, slots=True)
class SkippedRecords:
    """What a source's last fetched pages held that could not be used."""

    count: int  # records left out
    total: int  # records the pages held, used or not
    first_reason: str | None
    incomplete: int = 0  # records listed without a part that could not be read


NOTHING_SKIPPED = SkippedRecords(0, 0, None, 0)


@dataclass(frozen=True, slots=True)
class _Page:
    count: int
    incomplete: int
    total: int
    first: Skip | None
    # Pages at other addresses that hold the same records (a listing asked for with a
    # moving date, say) have the same signature, and are summed once.
    signature: int


class SkipLedger:
    """One source's skipped records: counted, logged once per page, summed for ``sources``."""

    def __init__(self, source: str, counter: Counter) -> None:
        self.source = source
        self._counter = counter
        self._counted: OrderedDict[tuple[str, datetime], None] = OrderedDict()
        self._pages: OrderedDict[str, _Page] = OrderedDict()
        self._reasons: set[str] = set()

    def report(self, url: str, fetched_at: datetime, skips: Sequence[Skip], total: int) -> None:
        """``skips`` of the ``total`` records on the page at ``url`` as fetched at
        ``fetched_at``; a page already reported as fetched then is not counted again."""
        key = (url, fetched_at)
        if key in self._counted:
            return
        self._counted[key] = None
        if len(self._counted) > PAGES_REMEMBERED:
            self._counted.popitem(last=False)
        kept = sum(skip.kept for skip in skips)
        signature = hash((total, tuple(skips)))
        first = skips[0] if skips else None
        self._remember(url, _Page(len(skips) - kept, kept, total, first, signature))
        for skip in skips:
            self._counter.labels(self.source, self._label(skip.reason)).inc()
        if skips:
            log.warning(
                "source %s: skipped %d of %d records of %s (%d more listed incomplete); "
                "the first: %s",
                self.source,
                len(skips) - kept,
                total,
                url,
                kept,
                redacted(skips[0].told()),
            )

    def summary(self) -> SkippedRecords:
        """Over the latest page at each address, each set of records summed once."""
        distinct = {page.signature: page for page in self._pages.values()}
        pages = list(distinct.values())
        first = next((page.first for page in reversed(pages) if page.first), None)
        return SkippedRecords(
            count=sum(page.count for page in pages),
            total=sum(page.total for page in pages),
            first_reason=redacted(first.told()) if first else None,
            incomplete=sum(page.incomplete for page in pages),
        )

    def _remember(self, url: str, page: _Page) -> None:
        self._pages.pop(url, None)
        self._pages[url] = page
        if len(self._pages) > PAGES_REMEMBERED:
            self._pages.popitem(last=False)

    def _label(self, reason: str) -> str:
        if reason in self._reasons or len(self._reasons) < REASONS_PER_SOURCE:
            self._reasons.add(reason)
            return reason
        return OTHER
