"""What a failed post says: whether it may still have made the complaint at its source,
whether the source refused the complaint for good, and whether an operator must step in."""

from __future__ import annotations

import re

import httpx

from kotahub.errors import SourceCircuitOpen, SourceError, SourceHTTPError
from kotahub.records import ComplaintSubmission

# Answers a gateway or a failing server may give after the complaint was made behind it.
MAYBE_MADE_STATUSES = frozenset({500, 502, 504})
# The source understood and refused the complaint itself; retrying cannot change that.
REFUSED_STATUSES = frozenset({400, 422})
# Refusals that say "not now" (a timeout, a conflict with a post still under way, too
# many posts) rather than "not this": retried without calling anyone.
LATER_STATUSES = frozenset({408, 409, 425, 429})


def surely_not_made(error: SourceError) -> bool:
    """True when the failure shows the source never took the post: it was never sent (an
    open circuit, no connection), or the source answered that it did not take it. A timeout
    or a connection lost mid-answer leaves it unknown."""
    if isinstance(error, SourceCircuitOpen):
        return True
    if isinstance(error, SourceHTTPError):
        return error.status not in MAYBE_MADE_STATUSES
    return isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout)


def refused_for_good(error: SourceHTTPError, submission: ComplaintSubmission) -> bool:
    """The source refused the complaint itself: a 400 or 422, or a 404 whose explanation
    names the complaint's category code (Open311's answer to a service_code the server does
    not have). Another 404 (a wrong base_url or jurisdiction) is the operator's to fix."""
    if error.status in REFUSED_STATUSES:
        return True
    return error.status == 404 and names_code(error.explanation, submission.category_code)


def needs_operator(error: SourceError) -> bool:
    """The source refused what the hub sent for a reason retrying cannot change, such as
    credentials refused (401, 403) or nothing at the path (404): someone must fix it."""
    if not isinstance(error, SourceHTTPError):
        return False
    return 400 <= error.status < 500 and error.status not in LATER_STATUSES


def names_code(text: str, code: str) -> bool:
    """Whether ``text`` names ``code`` as a word of its own, whatever its case."""
    if not text or not code:
        return False
    return re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text, re.IGNORECASE) is not None
