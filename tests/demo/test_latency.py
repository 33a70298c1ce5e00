"""The artificial latency every reference upstream can be slowed by."""

from __future__ import annotations

import math
import time

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from kotahub.demo.latency import ArtificialLatency


async def _ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def test_each_request_waits_at_least_the_delay() -> None:
    # A lower bound only: a sleep never ends early, however busy the machine is.
    slow = ArtificialLatency(Starlette(routes=[Route("/", _ok)]), delay_ms=60)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=slow), base_url="http://x"
    ) as http:
        started = time.perf_counter()
        response = await http.get("/")
        elapsed = time.perf_counter() - started
    assert response.text == "ok" and elapsed >= 0.055


@pytest.mark.parametrize("delay", [-1.0, math.nan, math.inf])
def test_impossible_delays_are_refused(delay: float) -> None:
    with pytest.raises(ValueError, match="delay_ms must be a finite number >= 0"):
        ArtificialLatency(Starlette(), delay_ms=delay)
