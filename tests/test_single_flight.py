"""One run of the work for a key at a time, shared by every caller asking meanwhile."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest

from kotahub.single_flight import SingleFlight


class Work:
    """Work that waits until it is let go, and counts how often it was started."""

    def __init__(self, answer: str = "done", failure: Exception | None = None) -> None:
        self.answer = answer
        self.failure = failure
        self.started = 0
        self.go = asyncio.Event()

    async def __call__(self) -> str:
        self.started += 1
        await self.go.wait()
        if self.failure is not None:
            raise self.failure
        return self.answer


async def _until_waiting(*tasks: asyncio.Task[Any]) -> None:
    """Let the callers reach their await on the shared task."""
    for _ in range(3):
        await asyncio.sleep(0)
    assert not any(task.done() for task in tasks)


async def test_callers_of_one_key_share_one_run() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    work = Work("answer")
    callers = [asyncio.create_task(flight.join("k", work)) for _ in range(5)]
    await _until_waiting(*callers)
    assert "k" in flight and len(flight) == 1

    work.go.set()

    assert await asyncio.gather(*callers) == ["answer"] * 5
    assert work.started == 1
    assert "k" not in flight and len(flight) == 0


async def test_other_keys_run_apart() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    first, second = Work("one"), Work("two")
    callers = [
        asyncio.create_task(flight.join("a", first)),
        asyncio.create_task(flight.join("b", second)),
    ]
    await _until_waiting(*callers)
    first.go.set()
    second.go.set()

    assert await asyncio.gather(*callers) == ["one", "two"]
    assert (first.started, second.started) == (1, 1)


async def test_a_key_runs_again_once_its_run_is_over() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    work = Work()
    work.go.set()

    assert await flight.join("k", work) == "done"
    assert await flight.join("k", work) == "done"
    assert work.started == 2


async def test_a_failure_reaches_every_caller_and_is_not_kept() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    failing = Work(failure=ValueError("upstream down"))
    callers = [asyncio.create_task(flight.join("k", failing)) for _ in range(3)]
    await _until_waiting(*callers)
    failing.go.set()

    outcomes = await asyncio.gather(*callers, return_exceptions=True)

    assert [str(outcome) for outcome in outcomes] == ["upstream down"] * 3
    recovered = Work("back")
    recovered.go.set()
    assert await flight.join("k", recovered) == "back"


async def test_a_caller_that_stops_waiting_leaves_the_run_to_the_others() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    work = Work()
    leaving = asyncio.create_task(flight.join("k", work))
    staying = asyncio.create_task(flight.join("k", work))
    await _until_waiting(leaving, staying)

    leaving.cancel()
    await asyncio.gather(leaving, return_exceptions=True)
    work.go.set()

    assert leaving.cancelled()
    assert await staying == "done"
    assert work.started == 1


async def test_start_hands_back_the_running_task() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    work = Work()

    task = flight.start("k", work)

    assert flight.start("k", work) is task
    work.go.set()
    assert await task == "done"
    assert work.started == 1


async def test_no_warning_when_nobody_waits_for_a_failure() -> None:
    """Every caller gone before the run failed: its exception is read, not reported."""
    reported: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _, context: reported.append(context))
    try:
        flight: SingleFlight[str, str] = SingleFlight()
        failing = Work(failure=ValueError("nobody hears this"))
        caller = asyncio.create_task(flight.join("k", failing))
        await _until_waiting(caller)
        caller.cancel()
        await asyncio.gather(caller, return_exceptions=True)

        running = flight.start("k", failing)
        failing.go.set()
        await asyncio.wait([running])  # waits without reading the outcome
        del running
        gc.collect()
    finally:
        loop.set_exception_handler(None)

    assert reported == []
    assert len(flight) == 0


async def test_aclose_cancels_every_run() -> None:
    flight: SingleFlight[str, str] = SingleFlight()
    works = [Work(), Work()]
    tasks = [flight.start("a", works[0]), flight.start("b", works[1])]
    await asyncio.sleep(0)

    await flight.aclose()

    assert all(task.cancelled() for task in tasks)
    assert len(flight) == 0
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
