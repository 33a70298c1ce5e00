"""Shared fixtures: a real Redis, the reference upstreams over real HTTP, and a hub on them."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.adapters.registry import build_adapter
from kotahub.clock import SYSTEM_CLOCK, Clock
from kotahub.contract import Adapter
from kotahub.demo.app import (
    COMPLAINTS_OPEN311,
    DIMENSIONS_CKAN,
    HEALTH_FHIR,
    TOURISM_ITEMS,
    create_demo_app,
)
from kotahub.demo.open311 import DEMO_API_KEY, create_open311_app
from kotahub.hub.app import create_app
from kotahub.hub.settings import Settings
from kotahub.store.cache import FallbackStore, MemoryStore, RedisStore
from kotahub.upstream.client import SourceClient
from kotahub.upstream.source_settings import SourceSettings
from tests.support.redis_cluster import RedisCluster, running
from tests.support.redis_server import RedisServer
from tests.support.servers import ThreadedServer

pytest_plugins = ["tests.support.controlled_fixtures"]

HubFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]

TIERS = ("unit", "integration", "system")
# A test that uses any of these talks to a real Redis or to a server on a real socket.
REAL_PARTS = frozenset(
    {
        "redis_url",
        "private_redis",
        "lasting_redis",
        "demo_server",
        "open311",
        "misbehaving_server",
        "upstream",
    }
)
# A test that uses any of these runs several processes together.
SEVERAL_PROCESSES = frozenset({"redis_cluster"})

# Read once: the tests below clear the hub's variables so a developer's shell cannot leak in.
REDIS_URL_FROM_ENV = os.environ.get("REDIS_URL")


def tier_of(item: pytest.Item) -> str:
    """The tier a test declares (by a marker on it or its module), else the one its fixtures
    imply; a test declared unit that reaches real parts is refused, as is one declaring two."""
    declared = {mark.name for mark in item.iter_markers() if mark.name in TIERS}
    fixtures = set(getattr(item, "fixturenames", ()))
    implied = (
        "system"
        if fixtures & SEVERAL_PROCESSES
        else "integration"
        if fixtures & REAL_PARTS
        else "unit"
    )
    if len(declared) > 1:
        raise pytest.UsageError(f"{item.nodeid}: marked {sorted(declared)}; expected one tier")
    if declared == {"unit"} and implied != "unit":
        uses = sorted(fixtures & (REAL_PARTS | SEVERAL_PROCESSES))
        raise pytest.UsageError(f"{item.nodeid}: marked unit but uses {uses}; expected {implied}")
    return declared.pop() if declared else implied


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test carries exactly one of the markers unit, integration and system."""
    for item in items:
        tier = tier_of(item)
        if not item.get_closest_marker(tier):
            item.add_marker(tier)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No KOTAHUB_*, OTEL_*, HOST, PORT or REDIS_URL from the shell reaches the hub under
    test."""
    for name in list(os.environ):
        if name.startswith(("KOTAHUB_", "OTEL_")) or name in ("HOST", "PORT", "REDIS_URL"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set, else a private redis-server for this test session."""
    if REDIS_URL_FROM_ENV:
        yield REDIS_URL_FROM_ENV
        return
    for server in _started_redis():
        yield server.url


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of this test's own, which the test may stop and start again."""
    yield from _started_redis()


@pytest.fixture
def lasting_redis() -> Iterator[RedisServer]:
    """Like ``private_redis``, with append-only persistence from the start, as a production
    Redis has: what it holds survives its restart. (Turned on later, Redis refuses to stop
    until its first rewrite is done.)"""
    yield from _started_redis(appendonly=True)


def _started_redis(appendonly: bool = False) -> Iterator[RedisServer]:
    """A started redis-server, given once, then stopped and its directory removed."""
    server = RedisServer(appendonly=appendonly)
    server.start()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def redis_cluster() -> Iterator[RedisCluster]:
    """A real three-node Redis Cluster on loopback, shared by the tests that only add keys."""
    with running(RedisCluster()) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def demo_server() -> Iterator[ThreadedServer]:
    """The reference upstreams on a real loopback socket."""
    server = ThreadedServer(create_demo_app())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def open311(tmp_path: Path) -> Iterator[ThreadedServer]:
    """A reference Open311 upstream of this test's own, which it may stop and start again on
    its port."""
    server = ThreadedServer(create_open311_app(database=tmp_path / "open311.sqlite3"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tourism_log(demo_server: ThreadedServer) -> Any:
    """The tourism upstream's request log, cleared for this test."""
    log = demo_server.app.state.tourism.state.request_log
    log.clear()
    return log


@pytest.fixture
def health_log(demo_server: ThreadedServer) -> Any:
    """The FHIR upstream's request log, cleared for this test."""
    log = demo_server.app.state.health.state.request_log
    log.clear()
    return log


@pytest.fixture
def complaints_log(demo_server: ThreadedServer) -> Any:
    """The Open311 upstream's request log, cleared for this test."""
    log = demo_server.app.state.complaints.state.request_log
    log.clear()
    return log


def complaints_source(base: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "complaints",
        "kind": "open311",
        "base_url": f"{base}{COMPLAINTS_OPEN311}",
        "api_key": DEMO_API_KEY,
        **extra,
    }


def tourism_source(base: str, **extra: Any) -> dict[str, Any]:
    return {"name": "tourism", "kind": "geojson", "base_url": f"{base}{TOURISM_ITEMS}", **extra}


def health_source(base: str, **extra: Any) -> dict[str, Any]:
    return {"name": "health", "kind": "fhir-r4", "base_url": f"{base}{HEALTH_FHIR}", **extra}


@pytest.fixture
def hub_settings(redis_url: str, demo_server: ThreadedServer) -> Callable[..., Settings]:
    """Settings for a hub on the real upstreams, with a cache prefix of the test's own."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "redis_url": redis_url,
            "cache_prefix": f"test-{uuid.uuid4().hex[:12]}",
            "sources": [
                tourism_source(demo_server.url),
                health_source(demo_server.url),
                complaints_source(demo_server.url),
                {
                    "name": "dimensions",
                    "kind": "ckan",
                    "base_url": f"{demo_server.url}{DIMENSIONS_CKAN}",
                },
            ],
            "delivery_retry_seconds": 0.2,
            "delivery_reclaim_seconds": 0.5,
        }
        values.update(overrides)
        return Settings(**values)

    return make


@asynccontextmanager
async def running_hub(
    settings: Settings, clock: Clock = SYSTEM_CLOCK
) -> AsyncIterator[httpx.AsyncClient]:
    """A hub app (its lifespan included) and an HTTP client talking to it over ASGI."""
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            yield client


@pytest.fixture
def hub() -> HubFactory:
    """Runs a hub app (its lifespan included) and gives an HTTP client talking to it over ASGI."""
    return running_hub


@pytest.fixture(scope="session")
def misbehaving_server() -> Iterator[ThreadedServer]:
    """An upstream answering with garbage, errors and silence on real sockets."""
    from tests.support.misbehaving import create_misbehaving_app

    server = ThreadedServer(create_misbehaving_app())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def source_client(redis_url: str) -> AsyncIterator[SourceClient]:
    redis = Redis.from_url(redis_url)
    store = FallbackStore(RedisStore(redis), MemoryStore(64), retry_seconds=1)
    async with httpx.AsyncClient() as http:
        yield SourceClient(http, store, key_prefix=f"test-{uuid.uuid4().hex[:12]}")
    await redis.aclose()


@pytest.fixture
def make_adapter(source_client: SourceClient) -> Callable[..., Adapter]:
    def make(**values: Any) -> Adapter:
        return build_adapter(SourceSettings.model_validate(values), source_client)

    return make
