"""Fixtures: a controlled upstream the tests set as they go, and a hub whose clock they move."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest

from kotahub.hub.settings import Settings
from tests.conftest import HubFactory, running_hub, tourism_source
from tests.support.controlled_upstream import Behaviour, controlled_upstream
from tests.support.fake_clock import FakeClock
from tests.support.servers import ThreadedServer
from tests.support.upstream_calls import UpstreamCount, request_counter


@pytest.fixture
def behaviour() -> Behaviour:
    """Fresh for five minutes unless a test module says otherwise."""
    return Behaviour(cache_control="max-age=300")


@pytest.fixture
def upstream(behaviour: Behaviour) -> Iterator[ThreadedServer]:
    server = ThreadedServer(controlled_upstream(behaviour))
    server.start()
    yield server
    behaviour.stopped = True  # nothing left hanging or dripping holds the server's shutdown
    server.stop()


@pytest.fixture
def uji_source(upstream: ThreadedServer) -> dict[str, Any]:
    """The controlled upstream configured as the tourism source "uji"."""
    return {"name": "uji", "kind": "geojson", "base_url": f"{upstream.url}/items"}


@pytest.fixture
def with_tourism(
    hub_settings: Callable[..., Settings], demo_server: ThreadedServer
) -> Callable[..., Settings]:
    """Settings with the reference tourism source and the controlled upstream "uji"."""

    def make(uji: dict[str, Any], **overrides: Any) -> Settings:
        sources = [tourism_source(demo_server.url), uji]
        return hub_settings(sources=sources, response_cache=False, **overrides)

    return make


@pytest.fixture
def clock() -> FakeClock:
    """The time of ``hub_on_clock``: it stands still until the test advances it."""
    return FakeClock()


@pytest.fixture
def hub_on_clock(clock: FakeClock) -> HubFactory:
    """Like ``hub``, but answers age, generations are reread and breakers reset by ``clock``."""
    return partial(running_hub, clock=clock)


@pytest.fixture
def upstream_requests(demo_server: ThreadedServer) -> UpstreamCount:
    """Requests each reference upstream received since the fixture was set up."""
    return request_counter(demo_server)
