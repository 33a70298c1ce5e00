"""Why a delivery failed, as it is kept and shown: a status and a short, redacted reason."""

from __future__ import annotations

from dataclasses import astuple

from kotahub.errors import SourceError, SourceHTTPError
from kotahub.records import ComplaintSubmission
from kotahub.upstream.failure_text import redacted

FAILURE_CHARS = 300  # the operators' ``last_error`` and log line


def rejection_reason(error: SourceHTTPError, submission: ComplaintSubmission) -> str:
    """What anyone with the tracking id reads for 90 days: the status and what the source
    said, never the body it answered, nor its address."""
    said = redacted(error.explanation, submitted_values(submission)) if error.explanation else ""
    refused = f"the source refused the complaint (HTTP {error.status})"
    return f"{refused}: {said}" if said else refused


def failure_reason(error: SourceError, submission: ComplaintSubmission) -> str:
    """A failed attempt, for operators; redacted again here, since a partner's adapter may
    put what its upstream said into its errors as it is."""
    return redacted(f"{error.code}: {error.detail}", submitted_values(submission), FAILURE_CHARS)


def submitted_values(submission: ComplaintSubmission) -> list[str]:
    """What was sent that an upstream may echo: the reporter, the text, the place, answers."""
    values = [value for value in astuple(submission.contact) if value]
    values += [submission.description, submission.address or "", submission.media_url or ""]
    for number in (submission.lat, submission.lon):
        values += [] if number is None else [f"{number:.6f}", str(number)]
    for answer in submission.attributes.values():
        values += [answer] if isinstance(answer, str) else list(answer)
    return values
