"""Whether a failed post may still have made the complaint at its source."""

from __future__ import annotations

import httpx

from kotahub.errors import SourceCircuitOpen, SourceError, SourceHTTPError

# Answers a gateway or a failing server may give after the complaint was made behind it.
MAYBE_MADE_STATUSES = frozenset({500, 502, 504})


def surely_not_made(error: SourceError) -> bool:
    """True when the failure shows the source never took the post: it was never sent (an
    open circuit, no connection), or the source answered that it did not take it. A timeout
    or a connection lost mid-answer leaves it unknown."""
    if isinstance(error, SourceCircuitOpen):
        return True
    if isinstance(error, SourceHTTPError):
        return error.status not in MAYBE_MADE_STATUSES
    return isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
