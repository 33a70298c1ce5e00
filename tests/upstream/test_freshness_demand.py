"""A caller's demand for answers no older than some seconds, on a real upstream that sends
ETags: within the demand the cache serves; past it the upstream is asked whether it changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from kotahub.contract import Adapter
from kotahub.upstream.freshness_demand import no_older_than
from tests.support.controlled_upstream import Behaviour
from tests.support.servers import ThreadedServer

pytestmark = pytest.mark.integration


@pytest.fixture
def spots(make_adapter: Callable[..., Adapter], upstream: ThreadedServer) -> Adapter:
    return make_adapter(name="uji", kind="geojson", base_url=f"{upstream.url}/items")


async def test_an_answer_older_than_the_demand_is_asked_again_only_whether_it_changed(
    spots: Adapter, behaviour: Behaviour
) -> None:
    await spots.spots()  # type: ignore[attr-defined]
    with no_older_than(60):
        await spots.spots()  # type: ignore[attr-defined]
    assert len(behaviour.seen) == 1  # fresh for five minutes, and young enough
    await asyncio.sleep(0.2)
    with no_older_than(0.1):
        again = await spots.spots()  # type: ignore[attr-defined]
    assert len(behaviour.seen) == 2
    assert behaviour.seen[-1][1] is not None  # If-None-Match: only whether it changed
    assert [spot.name for spot in again]  # the stored answer, still served
    await spots.spots()  # type: ignore[attr-defined]
    assert len(behaviour.seen) == 2  # outside the demand: the cache as before


async def test_a_changed_answer_within_the_demand_is_the_new_one(
    spots: Adapter, behaviour: Behaviour
) -> None:
    first = await spots.spots()  # type: ignore[attr-defined]
    behaviour.version = 2
    await asyncio.sleep(0.2)
    with no_older_than(0.1):
        second = await spots.spots()  # type: ignore[attr-defined]
    assert [s.name for s in first] != [s.name for s in second]


def test_a_negative_age_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ValueError, match="at least 0"), no_older_than(-1):
        pass
