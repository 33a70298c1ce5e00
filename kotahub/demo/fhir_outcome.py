"""FHIR errors as OperationOutcome responses, and the media type every FHIR response carries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from kotahub.demo.responses import encode_json

FHIR_JSON = "application/fhir+json; fhirVersion=4.0"


class FhirError(Exception):
    """A request the server refuses: HTTP status, OperationOutcome issue code and diagnostics.

    ``code`` is from http://hl7.org/fhir/issue-type (invalid, not-found, not-supported,
    security, processing...).
    """

    def __init__(
        self, status: int, code: str, diagnostics: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(diagnostics)
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
        self.headers = dict(headers or {})


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict[str, Any]:
    """An OperationOutcome with one issue."""
    issue = {"severity": severity, "code": code, "diagnostics": diagnostics}
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def outcome_response(error: FhirError) -> Response:
    """The HTTP response for ``error``: its status, headers and an OperationOutcome body."""
    body = encode_json(operation_outcome(error.code, error.diagnostics))
    return Response(body, status_code=error.status, media_type=FHIR_JSON, headers=error.headers)
