"""The outer app every reference upstream is served in: optional latency and a request log."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import ASGIApp

from kotahub.demo.latency import ArtificialLatency
from kotahub.demo.request_log import RequestLog


def instrumented_app(inner: ASGIApp, latency_ms: float) -> Starlette:
    """``inner`` delayed by ``latency_ms`` (when > 0), logged in ``app.state.request_log``."""
    if latency_ms:
        inner = ArtificialLatency(inner, latency_ms)
    request_log = RequestLog(inner)
    app = Starlette(routes=[Mount("", app=request_log)])
    app.state.request_log = request_log
    return app
