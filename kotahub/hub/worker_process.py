"""``kotahub worker``: the complaint delivery worker on its own, until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal

from kotahub.demo.app import create_demo_app
from kotahub.hub.embedded import embedded_mounts
from kotahub.hub.runtime import check_sources, start_runtime
from kotahub.hub.settings import Settings

log = logging.getLogger("kotahub.worker")


async def run_worker(settings: Settings) -> None:
    """Deliver queued complaints; stops cleanly on a signal, leaving the rest queued."""
    check_sources(settings)
    mounts = {}
    if settings.embedded:
        demo = create_demo_app(data_dir=settings.demo_data_dir)
        mounts = embedded_mounts(settings, demo)
    runtime = await start_runtime(settings, mounts)
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(name, stopped.set)
    runtime.start_delivery()
    log.info("delivering complaints from the outbox; stop with Ctrl-C")
    await stopped.wait()
    await runtime.aclose()
