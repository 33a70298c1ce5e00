"""Reading a multipart/mixed answer (@defer, @stream) as a client does: part by part."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

Part = dict[str, Any]


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart/mixed Content-Type."""
    media, *params = (piece.strip() for piece in content_type.split(";"))
    assert media == "multipart/mixed", content_type
    found = dict(param.split("=", 1) for param in params)
    return found["boundary"].strip('"')


def parts_of(content_type: str, body: bytes) -> list[Part]:
    """Every part of a whole body; it must end with the close delimiter."""
    parts, rest = _complete_parts(boundary_of(content_type), body)
    assert rest == b"--\r\n" or rest == b"--", rest
    return parts


async def timed_parts(response: httpx.Response, started: float) -> list[tuple[float, Part]]:
    """Each part with the seconds after ``started`` at which it had arrived whole."""
    boundary = boundary_of(response.headers["content-type"])
    buffer, timed = b"", list[tuple[float, Part]]()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        parts, _ = _complete_parts(boundary, buffer)
        arrived = time.monotonic() - started
        timed += [(arrived, part) for part in parts[len(timed) :]]
    return timed


def _complete_parts(boundary: str, body: bytes) -> tuple[list[Part], bytes]:
    """The parts whose closing delimiter has arrived, and what follows the last of them."""
    first = f"--{boundary}".encode()
    assert body[: len(first)] == first[: len(body)], body[:40]
    if len(body) < len(first):
        return [], b""
    segments = body[len(first) :].split(f"\r\n--{boundary}".encode())
    parts = [_part(segment) for segment in segments[:-1]]
    return parts, segments[-1]


def _part(segment: bytes) -> Part:
    assert segment.startswith(b"\r\n"), segment[:40]
    head, _, payload = segment[2:].partition(b"\r\n\r\n")
    headers = dict(
        (name.strip().lower(), value.strip())
        for name, _, value in (line.partition(b":") for line in head.split(b"\r\n"))
    )
    assert headers[b"content-type"].startswith(b"application/json"), headers
    part: Part = json.loads(payload)
    assert "hasNext" in part, part
    return part


def merged(parts: list[Part]) -> Any:
    """The data a client builds from the parts: each deferred fragment's data written at its
    path, each streamed list's items put at theirs."""
    data = parts[0]["data"]
    for part in parts[1:]:
        for entry in part.get("incremental", ()):
            target = data
            for key in entry["path"][:-1] if "items" in entry else entry["path"]:
                target = target[key]
            if "items" in entry:
                assert entry["path"][-1] == len(target), entry  # each item at its index
                target.extend(entry["items"] or ())
            elif entry.get("data") is not None:
                _deep(target, entry["data"])
    return data


def _deep(target: Any, more: Any) -> None:
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep(target[key], value)
        elif isinstance(value, list) and isinstance(target.get(key), list):
            for old, new in zip(target[key], value, strict=True):
                _deep(old, new)
        else:
            target[key] = value
