"""Log lines: one JSON object each for machines, plain text for people at a terminal."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import Literal, TextIO

from pythonjsonlogger.json import JsonFormatter

# Set by the edge for each request, so every log line of that request carries its id.
CURRENT_REQUEST_ID: ContextVar[str | None] = ContextVar("kotahub_request_id", default=None)


LogFormat = Literal["auto", "json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
JSON_FIELDS = ("levelname", "name", "message")
JSON_NAMES = {"levelname": "level", "name": "logger"}


class RequestIdFilter(logging.Filter):
    """Gives each line written while serving a request that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = CURRENT_REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


class TextFormatter(logging.Formatter):
    """The classic line, with the request id in brackets when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [{request_id}]" if request_id else line


def chosen_format(wanted: LogFormat, stream: TextIO) -> Literal["json", "text"]:
    """``auto``: text for a person at a terminal, JSON for everything else."""
    if wanted != "auto":
        return wanted
    return "text" if stream.isatty() else "json"


def log_handler(wanted: LogFormat, stream: TextIO) -> logging.Handler:
    """A handler writing to ``stream`` in the chosen format, request ids included."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    if chosen_format(wanted, stream) == "json":
        handler.setFormatter(
            JsonFormatter(
                list(JSON_FIELDS),
                rename_fields=JSON_NAMES,
                timestamp="time",
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(TextFormatter(TEXT_FORMAT))
    return handler


def configure_logging(level: str, wanted: LogFormat = "auto", stream: TextIO | None = None) -> None:
    """Send every logger's lines to stderr (or ``stream``) in the chosen format."""
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(log_handler(wanted, stream or sys.stderr))
    root.setLevel(level)
    # One line per upstream request is noise at INFO; the hub logs what matters itself.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
