"""Upstream error bodies: logged in full, and their protocol's own message added to the error."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from kotahub.hub.errors import SourceHTTPError

TextOf = Callable[[Any], str | None]


def explained(exc: SourceHTTPError, text_of: TextOf, logger: logging.Logger) -> SourceHTTPError:
    """The error with what the upstream's error body says, when ``text_of`` can read it.

    The start of the raw body goes to the debug log only: it may hold internals not meant
    for clients, or echo what was sent.
    """
    logger.debug("source %s answered HTTP %s: %.300s", exc.source, exc.status, exc.body)
    try:
        text = text_of(json.loads(exc.body))
    except ValueError:
        text = None
    if text is None:
        return exc
    return SourceHTTPError(exc.source, exc.status, f"{exc.detail}: {text}", exc.body)
