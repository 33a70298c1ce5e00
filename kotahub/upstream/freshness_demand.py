"""A caller's demand that upstream answers be no older than some seconds, whatever their TTL.

A watcher that polls for changes cannot wait out an answer's TTL; inside ``no_older_than``
every GET of any adapter asks the upstream again for an answer fetched longer ago than
that (only whether it changed, where the upstream can say: ETag / Last-Modified), and
stores what comes back for everyone. The demand travels in a context variable, so adapters
(built-in and plug-in) need no parameter for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_MAX_AGE: ContextVar[float | None] = ContextVar("kotahub_max_age", default=None)


@contextmanager
def no_older_than(seconds: float) -> Iterator[None]:
    """Answers read inside the block were fetched at most ``seconds`` ago."""
    if seconds < 0:
        raise ValueError(f"an answer's age is at least 0 seconds, not {seconds!r}")
    token = _MAX_AGE.set(seconds)
    try:
        yield
    finally:
        _MAX_AGE.reset(token)


def too_old(fetched_at: float, now: float) -> bool:
    """Whether an answer fetched at ``fetched_at`` (epoch seconds) breaks the demand."""
    max_age = _MAX_AGE.get()
    return max_age is not None and now - fetched_at > max_age
