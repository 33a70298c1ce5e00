"""A controlled upstream for the cache tests: its behaviour is set by each test as it goes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.controlled_upstream import Behaviour, controlled_upstream
from tests.support.servers import ThreadedServer


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
