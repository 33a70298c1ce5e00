"""The hub's Redis from one URL: a single server, a Redis Cluster, or the master Sentinel names.

- ``redis://host:6379/0``, ``rediss://…``, ``unix:///path?db=0`` — one server;
- ``redis+cluster://host:7000,host:7001`` (``rediss+cluster://`` for TLS) — a Redis Cluster,
  found from any of the seed nodes named;
- ``redis+sentinel://host:26379,host:26380/service[/db]`` (``rediss+sentinel://``) — the
  master that the Sentinels name for ``service``, followed through fail-overs.

Credentials in the URL are the data servers'; Sentinels that need their own are given
``?sentinel_username=…&sentinel_password=…``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias
from urllib.parse import parse_qs, unquote, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis, Sentinel, SentinelConnectionPool
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisClusterException, RedisError

from kotahub.store.redis_spans import with_spans

RedisClient: TypeAlias = Redis | RedisCluster
Topology = Literal["server", "cluster", "sentinel"]

# What Redis itself raises: a cluster's routing failures are not RedisErrors.
REDIS_ERRORS: tuple[type[Exception], ...] = (RedisError, RedisClusterException)
# Everything a Redis call can fail with, the network's own errors included.
REDIS_FAILURES: tuple[type[Exception], ...] = (*REDIS_ERRORS, OSError)

EXAMPLES = (
    "redis://host:6379/0, rediss://…, unix:///path, "
    "redis+cluster://host:7000,host:7001 or redis+sentinel://host:26379/service"
)
_SCHEMES: dict[str, tuple[Topology, bool]] = {
    "redis": ("server", False),
    "rediss": ("server", True),
    "unix": ("server", False),
    "redis+cluster": ("cluster", False),
    "rediss+cluster": ("cluster", True),
    "redis+sentinel": ("sentinel", False),
    "rediss+sentinel": ("sentinel", True),
}
_NODE = re.compile(r"^(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+))(?::(?P<port>\d{1,5}))?$")


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """Where the hub's Redis is, as the URL says."""

    topology: Topology
    url: str
    tls: bool = False
    nodes: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None
    sentinel_username: str | None = None
    sentinel_password: str | None = None


def parse_redis_url(url: str) -> RedisTarget:
    """The target a redis_url names; ValueError saying what is wrong and what was expected."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        raise ValueError(f"expected a URL such as {EXAMPLES}")
    topology, tls = _SCHEMES[scheme]
    if topology == "server":
        return RedisTarget("server", url, tls)
    credentials, hosts, path, query_text = _split(url)
    username, _, password = credentials.partition(":")
    query = {name: values[-1] for name, values in parse_qs(query_text).items()}
    target = RedisTarget(
        topology,
        url,
        tls,
        nodes=_nodes(hosts, 26379 if topology == "sentinel" else 6379),
        username=unquote(username) or None,
        password=unquote(password) or None,
        sentinel_username=query.pop("sentinel_username", None),
        sentinel_password=query.pop("sentinel_password", None),
    )
    if query:
        raise ValueError(f"unknown option(s) {sorted(query)} in the Redis URL")
    if topology == "cluster":
        if path.strip("/") not in ("", "0"):
            raise ValueError("a Redis Cluster has only database 0: drop the path of the URL")
        return target
    return _with_service(target, path)


def _split(url: str) -> tuple[str, str, str, str]:
    """Credentials, hosts, path and query of a URL naming several hosts; the credentials are
    everything before the last ``@``, so that a password with ``/``, ``?`` or ``#`` in it is
    never taken for a path (and shown in an error)."""
    rest = url.partition("://")[2]
    credentials, _, located = rest.rpartition("@")
    hosts = re.split(r"[/?#]", located, maxsplit=1)[0]
    parts = urlsplit("redis://host" + located[len(hosts) :])
    return credentials, hosts, parts.path, parts.query


def _nodes(hosts: str, default_port: int) -> tuple[tuple[str, int], ...]:
    found = []
    for item in hosts.split(","):
        match = _NODE.match(item.strip())
        port = int(match["port"] or default_port) if match else 0
        if match is None or not 0 < port < 65536:
            raise ValueError(f"expected host:port for each node, separated by commas, got {item!r}")
        found.append((match["ipv6"] or match["host"], port))
    return tuple(found)


def _with_service(target: RedisTarget, path: str) -> RedisTarget:
    service, _, db = path.strip("/").partition("/")
    if not service:
        raise ValueError("expected the Sentinel service name as the path: redis+sentinel://…/name")
    if db and not db.isdigit():
        raise ValueError(f"expected a database number after the service name, got {db!r}")
    return replace(target, service=service, db=int(db or 0))


def connect_redis(target: RedisTarget, timeout: float, connections: int) -> RedisClient:
    """A client for the target; no connection is made until it is first used.

    ``connections`` bounds each server's pool; on one server a burst waits for a free
    connection rather than failing (which would look like Redis being down). Its commands
    are spans of the traces recorded, if any are.
    """
    client = _client(target, timeout, connections)
    with_spans(client)
    return client


def _client(target: RedisTarget, timeout: float, connections: int) -> RedisClient:
    if target.topology == "cluster":
        nodes = [ClusterNode(host, port) for host, port in target.nodes]
        # The cluster client cannot wait for a connection: its bound is generous instead.
        # One quick retry (which also rereads the slots) rather than redis-py's three with
        # backoff, which held every call ~23 s while a node hung.
        return RedisCluster(
            startup_nodes=nodes,
            retry=Retry(NoBackoff(), retries=1),
            username=target.username,
            password=target.password,
            ssl=target.tls,
            max_connections=connections * 4,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
        )
    if target.topology == "sentinel":
        return _sentinel_master(target, timeout, connections * 4)
    pool = BlockingConnectionPool.from_url(
        target.url,
        max_connections=connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    return Redis.from_pool(pool)


def _sentinel_master(target: RedisTarget, timeout: float, connections: int) -> Redis:
    sentinels = Sentinel(
        list(target.nodes),
        sentinel_kwargs={
            "username": target.sentinel_username,
            "password": target.sentinel_password,
            "ssl": target.tls,
            "socket_timeout": timeout,
            "socket_connect_timeout": timeout,
        },
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
    # Sentinel's pool cannot wait for a connection either: a generous bound, as for a cluster.
    master: Redis = sentinels.master_for(
        target.service,
        max_connections=connections,
        db=target.db,
        username=target.username,
        password=target.password,
        ssl=target.tls,
    )
    return master


async def close_redis(redis: RedisClient) -> None:
    """Close the client, and the connections to the Sentinels that named its master."""
    await redis.aclose()
    if isinstance(redis, Redis) and isinstance(redis.connection_pool, SentinelConnectionPool):
        await redis.connection_pool.sentinel_manager.aclose()


def redis_text(value: Any) -> str:
    """A value as Redis returned it (bytes, or str on a decoding client), as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
