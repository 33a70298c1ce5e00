"""``kotahub serve`` logs JSON lines when its output is not a terminal, text when asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.system

QUERY = {"query": "query Spots { touristSpots(first: 1) { totalCount } }"}


def _serve_and_ask(env: dict[str, str], log: Path) -> httpx.Response:
    port = free_port()
    env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kotahub", "serve"], env=env, stdout=output, stderr=output
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    url = f"http://127.0.0.1:{port}/graphql"
                    return httpx.post(url, json=QUERY, timeout=10)
                except httpx.TransportError:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
        finally:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.parametrize("log_format", ["auto", "text"])
def test_serve_logs_in_the_format_asked(redis_url: str, tmp_path: Path, log_format: str) -> None:
    env = {
        "REDIS_URL": redis_url,
        "KOTAHUB_DEMO_DATA_DIR": str(tmp_path / "demo"),
        "KOTAHUB_LOG_FORMAT": log_format,
        "KOTAHUB_CACHE_PREFIX": f"test-{uuid.uuid4().hex[:12]}",
    }
    answer = _serve_and_ask(env, tmp_path / "log")
    lines = (tmp_path / "log").read_text().splitlines()
    request_id = answer.headers["x-request-id"]
    assert answer.status_code == 200
    if log_format == "text":
        access = [line for line in lines if "kotahub.access" in line]
        assert len(access) == 1 and access[0].endswith(f"[{request_id}]")
        assert " INFO kotahub.access: Spots ok 200 " in access[0]
        assert not any(line.startswith("{") for line in lines)
        return
    events = [json.loads(line) for line in lines]  # every line is one JSON object
    (access,) = [event for event in events if event.get("event") == "graphql_request"]
    assert access["request_id"] == request_id and access["operation"] == "Spots"
    assert access["sources"] == ["tourism"]
    assert any(event["logger"].startswith("uvicorn") for event in events)
