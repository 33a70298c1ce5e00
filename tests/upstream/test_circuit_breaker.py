"""The circuit breaker on its own, with a clock the test moves."""

from __future__ import annotations

import pytest

from kotahub.upstream.circuit_breaker import CircuitBreaker, Passage


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, reset_seconds=30, clock=clock)


def state(breaker: CircuitBreaker) -> str:
    """Read afresh each time (mypy would narrow the property after a first comparison)."""
    return breaker.state


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        passage = breaker.admit()
        assert passage is not None
        breaker.failed(passage)


def test_it_opens_after_the_threshold_of_failures_in_a_row(breaker: CircuitBreaker) -> None:
    fail(breaker, 2)
    passage = breaker.admit()
    assert passage is not None
    breaker.succeeded(passage)  # a success in between starts the count again
    fail(breaker, 2)
    assert state(breaker) == "closed" and breaker.consecutive_failures == 2
    fail(breaker, 1)
    assert state(breaker) == "open" and breaker.admit() is None
    assert breaker.reopens_in() == 30


def test_after_the_reset_time_one_probe_goes_and_its_success_closes(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 3)
    clock.now += 29.9
    assert breaker.admit() is None
    clock.now += 0.1
    assert state(breaker) == "half_open"
    probe = breaker.admit()
    assert probe == Passage(probe=True)
    assert breaker.admit() is None and breaker.probing
    breaker.succeeded(probe)
    assert state(breaker) == "closed" and breaker.consecutive_failures == 0
    assert breaker.admit() == Passage(probe=False)


def test_a_failed_probe_opens_it_for_another_reset_time(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    fail(breaker, 3)
    clock.now += 30
    probe = breaker.admit()
    assert probe is not None
    clock.now += 5
    breaker.failed(probe)
    assert state(breaker) == "open" and breaker.reopens_in() == 30
    assert breaker.consecutive_failures == 4


def test_an_abandoned_probe_lets_another_one_go(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, 3)
    clock.now += 30
    probe = breaker.admit()
    assert probe is not None
    breaker.abandoned(probe)
    assert state(breaker) == "half_open" and breaker.admit() == Passage(probe=True)


def test_calls_begun_before_it_opened_change_nothing_after(
    breaker: CircuitBreaker, clock: Clock
) -> None:
    early = [breaker.admit() for _ in range(2)]
    fail(breaker, 3)
    for passage in early:
        assert passage is not None
        breaker.succeeded(passage)
    assert state(breaker) == "open"
    clock.now += 30
    probe = breaker.admit()
    assert probe is not None
    late = Passage(probe=False)
    breaker.failed(late)
    assert state(breaker) == "half_open" and breaker.probing


def test_it_refuses_settings_that_make_no_sense() -> None:
    with pytest.raises(ValueError, match="failure_threshold >= 1"):
        CircuitBreaker(failure_threshold=0, reset_seconds=30)
