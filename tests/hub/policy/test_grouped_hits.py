"""Group commits of rate-limit hits: fewer storage calls, never more admitted than fit."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from kotahub.hub.policy.grouped_hits import GroupedHits


@dataclass
class Limit:
    """A storage holding one limit, counting the calls made to it."""

    room: int
    calls: list[int] = field(default_factory=list)
    failing: bool = False

    async def count(self, cost: int) -> bool:
        self.calls.append(cost)
        await asyncio.sleep(0.001)  # a round trip, during which more hits arrive
        if self.failing:
            raise ConnectionError("storage down")
        if cost > self.room:
            return False
        self.room -= cost
        return True


async def test_hits_arriving_together_are_counted_in_one_call() -> None:
    limit, groups = Limit(room=100), GroupedHits()
    answers = await asyncio.gather(*(groups.hit("c", 1, limit.count) for _ in range(40)))
    assert all(answers)
    assert sum(limit.calls) == 40 and len(limit.calls) < 5
    assert limit.room == 60


async def test_no_more_are_admitted_than_fit_and_each_is_answered() -> None:
    limit, groups = Limit(room=7), GroupedHits()
    answers = await asyncio.gather(*(groups.hit("c", 1, limit.count) for _ in range(20)))
    assert answers.count(True) == 7 and answers.count(False) == 13
    assert limit.room == 0


async def test_clients_are_counted_apart() -> None:
    first, second, groups = Limit(room=3), Limit(room=3), GroupedHits()
    answers = await asyncio.gather(
        *(groups.hit("a", 1, first.count) for _ in range(4)),
        *(groups.hit("b", 1, second.count) for _ in range(2)),
    )
    assert answers == [True, True, True, False, True, True]


async def test_a_storage_failure_reaches_every_waiting_hit_and_the_next_group_starts_fresh() -> (
    None
):
    limit, groups = Limit(room=10, failing=True), GroupedHits()
    results = await asyncio.gather(
        *(groups.hit("c", 1, limit.count) for _ in range(5)), return_exceptions=True
    )
    assert all(isinstance(result, ConnectionError) for result in results)
    limit.failing = False
    assert await groups.hit("c", 1, limit.count) is True


@pytest.mark.parametrize("cost", [3, 5])
async def test_costs_add_up(cost: int) -> None:
    limit, groups = Limit(room=12), GroupedHits()
    answers = await asyncio.gather(*(groups.hit("c", cost, limit.count) for _ in range(5)))
    assert answers.count(True) == 12 // cost
