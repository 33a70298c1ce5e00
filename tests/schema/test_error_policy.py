"""The error policy: hub errors keep their message and code, anything unexpected is masked."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
import strawberry

from kotahub.errors import ClientInputError, SourceTimeout
from kotahub.schema.errors import MASKED_MESSAGE, ErrorPolicy


@strawberry.type
class Probe:
    @strawberry.field
    def crash(self) -> str | None:
        raise RuntimeError("password=hunter2 in /srv/kotahub/secret.py")

    @strawberry.field
    def refuse(self) -> str | None:
        raise ClientInputError("'first' must be between 0 and 100, got 101")

    @strawberry.field
    def slow(self) -> str | None:
        raise SourceTimeout("tourism", "GET /items got no answer within 2s")


SCHEMA = strawberry.Schema(query=Probe, extensions=[ErrorPolicy])


async def test_unexpected_errors_are_masked_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="kotahub.graphql"):
        result = await SCHEMA.execute("{ crash }")
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == MASKED_MESSAGE
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in str(error.formatted)
    assert "hunter2" in caplog.text  # the operator still sees what happened


async def test_a_masked_error_names_the_request_for_the_operators_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    context = SimpleNamespace(request_id="c0ffee-42")
    with caplog.at_level(logging.ERROR, logger="kotahub.graphql"):
        result = await SCHEMA.execute("{ crash }", context_value=context)
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == MASKED_MESSAGE
    assert error.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "c0ffee-42"}
    assert "[c0ffee-42]" in caplog.text


async def test_hub_errors_keep_message_code_and_source() -> None:
    result = await SCHEMA.execute("{ refuse slow }")
    assert result.errors is not None
    by_path = {tuple(error.path or ()): error.formatted for error in result.errors}
    assert by_path[("refuse",)]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert by_path[("slow",)]["extensions"] == {"code": "UPSTREAM_TIMEOUT", "source": "tourism"}
    assert by_path[("slow",)]["message"] == "source 'tourism': GET /items got no answer within 2s"
