"""Whether the Redis holding the complaint outbox keeps it: never evicted, and persisted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ResponseError

from kotahub.store.redis_connection import REDIS_FAILURES, RedisClient

log = logging.getLogger("kotahub")
GUIDE = "see 'Keeping complaints safe' in docs/deployment.md"


@dataclass(frozen=True, slots=True)
class Durability:
    """What a Redis says of itself; None where it would not say."""

    policy: str | None
    maxmemory: int | None
    appendonly: bool | None
    save: str | None  # its snapshot points, "" for none


async def read_durability(redis: RedisClient, key: str) -> Durability:
    """From CONFIG GET, else from INFO (a managed Redis often refuses CONFIG); ``key`` is one
    the outbox writes, so that on a cluster the node holding the outbox is the one asked.
    Raises what Redis raised when it refuses both."""
    node: dict[str, Any] = {}
    if isinstance(redis, RedisCluster):
        await redis.initialize()  # its slot map, if nothing has asked for it yet
        node["target_nodes"] = redis.get_node_from_key(key)
    names = ("maxmemory-policy", "maxmemory", "appendonly", "save")
    try:
        config = await redis.config_get(*names, **node)
    except ResponseError:
        memory = await redis.info("memory", **node)
        persistence = await redis.info("persistence", **node)
        return Durability(
            _text(memory.get("maxmemory_policy")),
            _number(memory.get("maxmemory")),
            None if "aof_enabled" not in persistence else bool(persistence["aof_enabled"]),
            None,
        )
    values = {_text(name): _text(value) for name, value in config.items()}
    return Durability(
        values.get("maxmemory-policy"),
        _number(values.get("maxmemory")),
        None if "appendonly" not in values else values["appendonly"] == "yes",
        values.get("save"),
    )


def durability_problems(found: Durability, where: str) -> list[str]:
    """What may lose queued complaints, one sentence each; none for a Redis that keeps them."""
    problems = []
    if found.policy not in (None, "noeviction") and found.maxmemory != 0:
        problems.append(
            f"Redis at {where} may evict queued complaints: its maxmemory-policy is "
            f"{found.policy!r}; expected 'noeviction' on the Redis that holds the outbox ({GUIDE})"
        )
    if found.appendonly is False:
        if found.save == "":
            problems.append(
                f"Redis at {where} keeps queued complaints in memory only (appendonly no, no "
                f"save points): a restart loses them; expected appendonly yes ({GUIDE})"
            )
        elif found.save is None:
            problems.append(
                f"Redis at {where} has appendonly off, and whether it saves snapshots could "
                f"not be checked: a restart may lose queued complaints; expected appendonly "
                f"yes ({GUIDE})"
            )
        else:
            problems.append(
                f"Redis at {where} persists by snapshots only (save {found.save!r}): a crash "
                f"loses the complaints queued since the last one; expected appendonly yes "
                f"({GUIDE})"
            )
    return problems


async def warn_if_complaints_at_risk(redis: RedisClient, key: str, where: str) -> None:
    """Log a warning for each way the Redis of the outbox could lose complaints, or that it
    could not be checked."""
    try:
        found = await read_durability(redis, key)
    except REDIS_FAILURES as exc:
        log.warning(
            "could not check that Redis at %s keeps queued complaints (%s: %s); make sure it "
            "runs maxmemory-policy noeviction with appendonly yes (%s)",
            where,
            type(exc).__name__,
            exc,
            GUIDE,
        )
        return
    for problem in durability_problems(found, where):
        log.warning("%s", problem)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)


def _number(value: Any) -> int | None:
    text = _text(value)
    return int(text) if text is not None and text.isdigit() else None
