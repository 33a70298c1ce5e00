"""The hub measures how long its event loop is held, and shows it in /metrics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from kotahub.hub.settings import Settings
from kotahub.observability.loop_lag import LoopLag, WindowMax
from tests.conftest import HubFactory
from tests.observability.test_metrics import samples
from tests.support.fake_clock import FakeClock

STALL = 0.2  # seconds the tests below hold the loop
LAG = "kotahub_event_loop_lag_seconds"


def test_the_worst_value_is_kept_through_the_next_window() -> None:
    clock = FakeClock()
    worst = WindowMax(clock.monotonic, window_seconds=60)
    worst.record(0.3)
    worst.record(0.1)
    clock.advance(59)
    assert worst.worst() == 0.3
    clock.advance(2)  # the next window: the last one's worst still shows
    worst.record(0.05)
    assert worst.worst() == 0.3
    clock.advance(60)  # the window after: only the one before it counts
    assert worst.worst() == 0.05
    clock.advance(600)  # windows with nothing recorded
    assert worst.worst() == 0.0


@pytest.fixture
async def loop_lag() -> AsyncIterator[LoopLag]:
    """A lag measure watching the test's own event loop."""
    lag = LoopLag(time.monotonic)
    watching = asyncio.create_task(lag.watch())
    await asyncio.sleep(0)  # its first timer is set
    yield lag
    watching.cancel()
    await asyncio.gather(watching, return_exceptions=True)


async def shows(measure: WindowMax, least: float, seconds: float = 10.0) -> None:
    """Wait until ``measure`` shows a lag of at least ``least``: its timer woke since."""
    ends = time.monotonic() + seconds
    while measure.worst() < least:
        assert time.monotonic() < ends, f"the lag shown stayed at {measure.worst()}"
        await asyncio.sleep(0.005)


def busy(seconds: float) -> None:
    """Work for ``seconds`` of this process's CPU time, however busy the machine is."""
    until = time.process_time() + seconds
    while time.process_time() < until:
        pass


async def test_work_that_holds_the_loop_is_its_lag_on_either_clock(loop_lag: LoopLag) -> None:
    busy(STALL)
    await shows(loop_lag.cpu, STALL - 0.05)
    assert loop_lag.wall.worst() >= loop_lag.cpu.worst()


async def test_waiting_that_holds_the_loop_is_lag_felt_but_not_work(loop_lag: LoopLag) -> None:
    time.sleep(STALL)  # noqa: ASYNC251  # the stall under test: the loop blocked, the process idle
    await shows(loop_lag.wall, STALL - 0.05)
    assert loop_lag.cpu.worst() < STALL / 2


async def test_metrics_show_the_loop_lag_on_both_clocks(
    hub: HubFactory, hub_settings: Callable[..., Settings]
) -> None:
    async with hub(hub_settings()) as client:

        async def lags() -> dict[str, float]:
            found = samples((await client.get("/metrics")).text)
            return {clock: found[(LAG, (("clock", clock),))] for clock in ("cpu", "wall")}

        assert set(await lags()) == {"cpu", "wall"}
        busy(STALL)  # the hub runs on this test's loop
        ends = time.monotonic() + 10
        while (shown := await lags())["cpu"] < STALL - 0.05:  # until its timer has woken
            assert time.monotonic() < ends, f"the stall never showed: {shown}"
            await asyncio.sleep(0.01)
    assert shown["wall"] >= shown["cpu"]
