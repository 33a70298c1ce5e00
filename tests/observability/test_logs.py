"""Log lines: one JSON object per line with the request's id, and an event per request."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from kotahub.observability.logs import chosen_format, log_handler
from tests.conftest import HubFactory

SPOTS = "query Spots { touristSpots(first: 2) { totalCount } healthFacilities { totalCount } }"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the hub's loggers write while the test runs, as JSON lines."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    hub_logger = logging.getLogger("kotahub")
    level = hub_logger.level
    hub_logger.addHandler(handler)
    hub_logger.setLevel(logging.INFO)
    yield stream
    hub_logger.removeHandler(handler)
    hub_logger.setLevel(level)


def _events(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


async def test_each_request_is_one_json_event_with_its_id_and_sources(
    hub: HubFactory, hub_settings: Callable[..., Settings], json_log: io.StringIO
) -> None:
    async with hub(hub_settings(delivery_worker=False)) as client:
        payload = {"query": SPOTS, "operationName": "Spots"}
        first = await client.post("/graphql", json=payload)
        again = await client.post("/graphql", json=payload, headers={"x-request-id": "abc-12345"})
    lines = _events(json_log)
    access = [line for line in lines if line.get("event") == "graphql_request"]
    assert len(access) == 2
    miss, hit = access
    assert {"time", "level", "logger", "message"} <= miss.keys()
    assert miss["level"] == "INFO" and miss["logger"] == "kotahub.access"
    assert miss["request_id"] == first.headers["x-request-id"]
    assert hit["request_id"] == again.headers["x-request-id"] == "abc-12345"
    assert (miss["operation"], miss["outcome"], miss["status"]) == ("Spots", "ok", 200)
    assert miss["sources"] == ["health", "tourism"] and miss["cache"] == "miss"
    assert (hit["outcome"], hit["cache"], hit["sources"]) == ("cache_hit", "hit", [])
    assert isinstance(miss["duration_ms"], float) and miss["duration_ms"] > 0
    during = [line for line in lines if line["logger"] == "kotahub.upstream"]
    assert during and all(line["request_id"] == miss["request_id"] for line in during)
    startup = [line for line in lines if line.get("event") is None and line not in during]
    assert startup and all("request_id" not in line for line in startup)


async def test_a_refused_request_is_logged_as_refused(
    hub: HubFactory, hub_settings: Callable[..., Settings], json_log: io.StringIO
) -> None:
    async with hub(hub_settings(delivery_worker=False)) as client:
        payload = {"query": "query Broken { touristSpots(", "operationName": "Broken"}
        await client.post("/graphql", json=payload)
    (event,) = [line for line in _events(json_log) if line.get("event") == "graphql_request"]
    assert (event["operation"], event["outcome"], event["sources"]) == ("Broken", "refused", [])


def test_text_when_asked_or_at_a_terminal() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("kotahub.test-text")
    logger.addHandler(log_handler("text", stream))
    logger.propagate = False
    logger.warning("plain %s", "words")
    assert stream.getvalue().endswith(" WARNING kotahub.test-text: plain words\n")
    assert chosen_format("auto", io.StringIO()) == "json"  # not a terminal
    assert chosen_format("text", io.StringIO()) == "text"
