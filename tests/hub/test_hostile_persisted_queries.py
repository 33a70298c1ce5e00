"""Documents sent to be kept (automatic persisted queries) cannot fill the Redis of the outbox."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from kotahub.hub.policy.persisted_store import DocumentBounds, PersistedDocuments
from kotahub.hub.settings import Settings
from kotahub.store.cache import FallbackStore, MemoryStore, RedisStore
from tests.conftest import HubFactory
from tests.support.api_keys import PARTNER, api_keys
from tests.support.graphql import persisted, sha
from tests.support.hostile_documents import padded
from tests.support.redis_server import RedisServer

CONTACTS = "{ emergencyContacts { number } }"
LARGE = 30_000  # bytes: close to max_query_length (32,768), as in the attack


async def send(client: httpx.AsyncClient, document: str, **headers: str) -> None:
    """The document and its hash: it runs, and the hub may keep it."""
    payload = {"query": document, "extensions": persisted(document)}
    response = await client.post("/graphql", json=payload, headers=headers)
    assert response.json()["data"]["emergencyContacts"], response.text


async def kept(hub: HubFactory, settings: Settings, documents: list[str]) -> list[bool]:
    """Whether each document runs by its hash alone in another replica (which knows only what
    Redis kept)."""
    found = []
    async with hub(settings) as client:
        for document in documents:
            response = await client.post("/graphql", json={"extensions": persisted(document)})
            found.append("data" in response.json())
    return found


async def bookkeeping(redis_url: str, settings: Settings) -> tuple[int, int]:
    """How many documents Redis counts, and their bytes, as its own index says."""
    tag = f"{{{settings.cache_prefix}:apq}}"
    async with Redis.from_url(redis_url) as redis:
        return int(await redis.zcard(f"{tag}:index")), int(await redis.get(f"{tag}:bytes") or 0)


@pytest.fixture
def make_settings(hub_settings: Callable[..., Settings]) -> Callable[..., Settings]:
    return lambda **extra: hub_settings(api_keys=api_keys(), delivery_worker=False, **extra)


async def test_one_client_cannot_keep_more_documents_than_its_registrations(
    hub: HubFactory, make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings()  # register_anonymous = "10/minute;30/hour"
    documents = [padded(CONTACTS, LARGE, n) for n in range(14)]
    async with hub(settings) as client:
        for document in documents:
            await send(client, document)
    found = await kept(hub, settings, documents)
    assert found == [True] * 10 + [False] * 4  # every one ran; the first ten were kept
    assert await bookkeeping(redis_url, settings) == (10, sum(map(len, documents[:10])))


async def test_many_clients_together_keep_no_more_than_the_most_documents(
    hub: HubFactory, make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings(persisted_queries_max_documents=3, trusted_proxies=["127.0.0.1"])
    documents = [padded(CONTACTS, 200, n) for n in range(6)]
    async with hub(settings) as client:
        for n, document in enumerate(documents):
            await send(client, document, **{"x-forwarded-for": f"203.0.113.{n + 1}"})
    found = await kept(hub, settings, documents)
    assert found == [False] * 3 + [True] * 3  # the oldest made room
    assert (await bookkeeping(redis_url, settings))[0] == 3


async def test_large_documents_are_kept_within_the_bytes_allowed(
    hub: HubFactory, make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings(persisted_queries_max_bytes=65_536)
    documents = [padded(CONTACTS, LARGE, n) for n in range(5)]
    async with hub(settings) as client:
        for document in documents:
            await send(client, document, **PARTNER)
    found = await kept(hub, settings, documents)
    assert found == [False] * 3 + [True] * 2
    assert await bookkeeping(redis_url, settings) == (2, 2 * LARGE)


async def test_a_document_sent_again_and_again_is_counted_once(
    hub: HubFactory, make_settings: Callable[..., Settings], redis_url: str
) -> None:
    settings = make_settings()
    document = padded(CONTACTS, LARGE, 0)
    async with hub(settings) as client:
        for _ in range(8):
            await send(client, document, **PARTNER)
    assert await bookkeeping(redis_url, settings) == (1, LARGE)


class Recording(RedisStore):
    """Redis as the hub uses it, noting the keys each script declares, and setting a marker
    after each, so that what each script changed can be told apart."""

    def __init__(self, redis: Redis, marker: str) -> None:
        super().__init__(redis)
        self.declared: list[set[str]] = []
        self._client = redis
        self._marker = marker

    async def evaluate(self, script: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        self.declared.append(set(keys))
        try:
            return await super().evaluate(script, keys, args)
        finally:
            await self._client.set(self._marker, len(self.declared))


async def changed_keys(pubsub: PubSub, marker: str, calls: int) -> list[set[str]]:
    """The keys each of ``calls`` scripts changed, as Redis's key events tell, up to each
    marker."""
    changed: list[set[str]] = [set()]
    deadline = time.monotonic() + 10
    while len(changed) <= calls:
        assert time.monotonic() < deadline, changed
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
        if message is not None:
            key = message["data"].decode()
            changed.append(set()) if key == marker else changed[-1].add(key)
    return changed[:calls]


async def test_the_script_that_bounds_the_documents_changes_only_the_keys_it_declares(
    private_redis: RedisServer,
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    marker = f"{prefix}:marker"
    # Three fill the room; the fourth drops the oldest, the fifth (100 bytes) all the others.
    texts = [padded(CONTACTS, 40, n) for n in range(4)] + [padded(CONTACTS, 100, 4)]
    async with Redis.from_url(private_redis.url) as redis, redis.pubsub() as pubsub:
        await redis.config_set("notify-keyspace-events", "Eg$hz")  # not expiries, evictions
        await pubsub.psubscribe("__keyevent@0__:*")
        recording = Recording(redis, marker)
        store = FallbackStore(recording, MemoryStore(16), retry_seconds=1)
        documents = PersistedDocuments(store, prefix, DocumentBounds(86_400, 3, 130))
        kept = [await documents.keep(sha(text), text) for text in texts]
        changed = await changed_keys(pubsub, marker, len(recording.declared))
        found = [await documents.get(sha(text)) for text in texts]
    dropped = {documents.key(sha(text)) for text in texts[:4]}
    assert kept == [True] * 5
    assert found == [None] * 4 + [texts[4]]
    assert dropped <= set().union(*changed)  # the scripts dropped them
    calls = zip(changed, recording.declared, strict=True)
    assert [keys - declared for keys, declared in calls] == [set()] * len(changed)
