"""A pure-ASGI middleware that delays every HTTP request, to imitate a slow upstream."""

from __future__ import annotations

import asyncio
import math

from starlette.types import ASGIApp, Receive, Scope, Send


class ArtificialLatency:
    """Sleeps ``delay_ms`` milliseconds before passing each HTTP request on to ``app``."""

    def __init__(self, app: ASGIApp, delay_ms: float) -> None:
        if not math.isfinite(delay_ms) or delay_ms < 0:
            raise ValueError(f"delay_ms must be a finite number >= 0, got {delay_ms!r}")
        self.app = app
        self.delay_seconds = delay_ms / 1000

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.delay_seconds > 0:
            await asyncio.sleep(self.delay_seconds)
        await self.app(scope, receive, send)
