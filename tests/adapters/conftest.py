"""Adapters under test get a real source client: httpx over sockets and the Redis store."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from kotahub.adapters.contract import Adapter
from kotahub.adapters.registry import build_adapter
from kotahub.hub.cache import FallbackStore, MemoryStore, RedisStore
from kotahub.hub.settings import SourceSettings
from kotahub.hub.source_client import SourceClient


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
