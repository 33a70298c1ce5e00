"""``kotahub worker``: the complaint delivery worker on its own, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

import httpx

from kotahub.demo.app import create_demo_app
from kotahub.hub.embedded import embedded_mounts
from kotahub.hub.runtime import check_sources, start_runtime
from kotahub.hub.settings import Settings
from kotahub.hub.worker_metrics import metrics_listener, serving_metrics

log = logging.getLogger("kotahub.worker")


async def run_worker(settings: Settings, metrics_port: int | None = None) -> None:
    """Deliver queued complaints; stops cleanly on a signal, leaving the rest queued.
    With ``metrics_port``, also serves ``/metrics`` there, on the address HOST names."""
    check_sources(settings)
    listener = None if metrics_port is None else metrics_listener(settings.host, metrics_port)
    runtime = await start_runtime(settings, _mounts(settings))
    stopped = _stop_on_signals()
    runtime.start_delivery()
    async with serving_metrics(runtime, listener):
        log.info("delivering complaints from the outbox; stop with Ctrl-C")
        await stopped.wait()
    await runtime.aclose()


def _mounts(settings: Settings) -> dict[str, httpx.AsyncBaseTransport]:
    """The reference upstreams in process when no sources are configured."""
    if not settings.embedded:
        return {}
    return embedded_mounts(settings, create_demo_app(data_dir=settings.demo_data_dir))


def _stop_on_signals() -> asyncio.Event:
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(name, stopped.set)
    return stopped
