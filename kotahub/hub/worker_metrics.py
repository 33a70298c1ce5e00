"""The standalone worker's ``/metrics`` and ``/healthz``, served beside delivery until it stops."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from kotahub.errors import ConfigError
from kotahub.hub.connection_limits import server_limits
from kotahub.hub.pages.metrics import metrics_page
from kotahub.hub.pages.probes import liveness
from kotahub.hub.runtime import HubRuntime

log = logging.getLogger("kotahub.worker")


class _SignalFreeServer(uvicorn.Server):
    """A uvicorn server that leaves SIGINT and SIGTERM to the worker, which stops it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def metrics_listener(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything starts so that a taken port stops the
    worker at once with a message rather than after Redis and the sources are set up."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        raise ConfigError(
            f"the worker's metrics cannot be served on {host}:{port} ({exc.strerror}); "
            "expected a free port for --metrics-port, on the address HOST names"
        ) from exc


def metrics_app(runtime: HubRuntime) -> Starlette:
    """The worker's own registry at ``/metrics``, and ``/healthz`` for its container."""
    app = Starlette(routes=[Route("/metrics", metrics_page), Route("/healthz", liveness)])
    app.state.runtime = runtime
    return app


@contextlib.asynccontextmanager
async def serving_metrics(
    runtime: HubRuntime, listener: socket.socket | None
) -> AsyncIterator[None]:
    """Serve the runtime's metrics on ``listener`` (nothing when None) while in the block."""
    if listener is None:
        yield
        return
    limits = server_limits(runtime.settings)
    app = metrics_app(runtime)
    config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", **limits)
    server = _SignalFreeServer(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    host, port = listener.getsockname()[:2]
    log.info("metrics at http://%s:%d/metrics", host, port)
    try:
        yield
    finally:
        server.should_exit = True
        await serving
        listener.close()
