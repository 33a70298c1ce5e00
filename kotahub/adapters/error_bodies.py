"""Upstream error bodies: their protocol's own message added to the error, redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from kotahub.errors import SourceHTTPError
from kotahub.upstream.failure_text import redacted

TextOf = Callable[[Any], str | None]
LOGGED_CHARS = 300


def explained(
    exc: SourceHTTPError, text_of: TextOf, logger: logging.Logger, posted: Iterable[str] = ()
) -> SourceHTTPError:
    """The error with what the upstream's error body says, when ``text_of`` can read it.

    An upstream may echo what was sent (``posted``: a reporter's contact details, the
    source's key), so its words are redacted before they reach a message or a log line;
    the start of the body, redacted too, goes to the debug log only.
    """
    posted = tuple(posted)
    if logger.isEnabledFor(logging.DEBUG):
        shown = redacted(exc.body, posted, LOGGED_CHARS)
        logger.debug("source %s answered HTTP %s: %s", exc.source, exc.status, shown)
    try:
        text = text_of(json.loads(exc.body))
    except (ValueError, RecursionError):
        text = None
    if text is None:
        return exc
    said = redacted(text, posted)
    return SourceHTTPError(exc.source, exc.status, f"{exc.detail}: {said}", exc.body, said)
