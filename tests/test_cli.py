"""The kotahub command: a bad configuration stops it with one line and exit status 2."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support.ports import free_port

pytestmark = pytest.mark.system


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kotahub", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_bad_config_file_stops_start_up_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('[[sources]]\nname = "t"\nkind = "soap"\nbase_url = "http://x.test/"\n')
    result = _run("serve", "--config", str(config))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "kotahub: configuration error: "
        "source 't': unknown adapter kind 'soap'; "
        "known kinds: ckan, fhir-r4, geojson, json, open311"
    ]


def test_bad_environment_value_stops_start_up(tmp_path: Path) -> None:
    result = _run("serve", env={"PORT": "99999"})
    assert result.returncode == 2
    assert "invalid setting 'port'" in result.stderr and "99999" in result.stderr


def test_help_lists_the_commands() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout and "demo-sources" in result.stdout


@contextmanager
def _serving(*args: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The command running in its own process, its output going to ``log``."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "kotahub", *args],
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            process.terminate()
            process.wait(timeout=20)


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_listens_on_host_and_port_and_says_which_cache(
    redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "KOTAHUB_DEMO_DATA_DIR": str(tmp_path / "demo"),
    }
    with _serving("serve", env=env, log=tmp_path / "log"):
        health = _get_when_up(f"http://127.0.0.1:{port}/healthz")
        query = {"query": "{ touristSpots(first: 1) { edges { node { photos } } } }"}
        answer = httpx.post(f"http://127.0.0.1:{port}/graphql", json=query, timeout=10).json()
        photo = answer["data"]["touristSpots"]["edges"][0]["node"]["photos"][0]
        photo_status = httpx.get(photo, timeout=10).status_code
    output = (tmp_path / "log").read_text()
    assert health.json() == {"status": "ok"}
    assert photo.startswith(f"http://127.0.0.1:{port}/reference/tourism/photos/")
    assert photo_status == 200
    assert output.count("cache: ") == 1 and f"cache: Redis at {redis_url}" in output


def test_demo_sources_serve_the_reference_upstreams(tmp_path: Path) -> None:
    port = free_port()
    args = ("demo-sources", "--port", str(port), "--public-url", "http://city.example:9")
    with _serving(*args, env={}, log=tmp_path / "log"):
        index = _get_when_up(f"http://127.0.0.1:{port}/").json()
        items = httpx.get(index["upstreams"]["tourism"]["items"], timeout=10).json()
    assert items["type"] == "FeatureCollection" and items["numberMatched"] >= 18
    photo = items["features"][0]["properties"]["image"][0]
    assert photo.startswith("http://city.example:9/tourism/photos/")


def _serve_env(redis_url: str, tmp_path: Path, port: int, **settings: str) -> dict[str, str]:
    return {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "KOTAHUB_DEMO_DATA_DIR": str(tmp_path / "demo"),
        **{f"KOTAHUB_{name.upper()}": value for name, value in settings.items()},
    }


def _closed_while_trickling(sock: socket.socket, head: bytes, seconds: float = 20.0) -> bool:
    """Send ``head`` and, if any, a header line every 0.3 s after it (a slowloris): whether
    the server closes the connection within ``seconds``, whatever it was sent meanwhile."""
    sock.sendall(head)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], 0.3)
        try:
            if readable and not sock.recv(65536):
                return True
            if head:
                sock.sendall(b"X-Slow: 1\r\n")
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_serve_closes_connections_whose_request_head_is_too_slow(
    redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = _serve_env(redis_url, tmp_path, port, header_timeout_seconds="1", keep_alive_seconds="60")
    with _serving("serve", env=env, log=tmp_path / "log"):
        assert _get_when_up(f"http://127.0.0.1:{port}/healthz").status_code == 200
        with socket.create_connection(("127.0.0.1", port), timeout=5) as silent:
            silent_closed = _closed_while_trickling(silent, b"")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as half:
            half_closed = _closed_while_trickling(half, b"POST /graphql HTTP/1.1\r\nHost: x\r\n")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as kept:
            kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            first = kept.recv(65536)
            kept_closed = _closed_while_trickling(kept, b"GET /healthz HTTP/1.1\r\n")
        still = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
    assert silent_closed and half_closed
    assert first.startswith(b"HTTP/1.1 200") and kept_closed
    assert still.status_code == 200


def test_serve_answers_503_beyond_max_connections(redis_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = _serve_env(redis_url, tmp_path, port, max_connections="3")
    url = f"http://127.0.0.1:{port}/healthz"
    with _serving("serve", env=env, log=tmp_path / "log"):
        assert _get_when_up(url).status_code == 200
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(2)]
        try:
            crowded = _status_within(url, 503)
        finally:
            for sock in idle:
                sock.close()
        freed = _status_within(url, 200)
    assert crowded == 503 and freed == 200


def _status_within(url: str, wanted: int, seconds: float = 20.0) -> int:
    """The status ``url`` answers, asked again until it is ``wanted`` or time is up."""
    deadline = time.monotonic() + seconds
    while True:
        status = httpx.get(url, timeout=10).status_code
        if status == wanted or time.monotonic() > deadline:
            return status
        time.sleep(0.1)
