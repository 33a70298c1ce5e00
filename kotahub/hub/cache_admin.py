"""Dropping a source's cached data in every replica, for the admins allowed to ask."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kotahub.access import Principal, Role
from kotahub.errors import ClientInputError, NotAllowed
from kotahub.hub.settings import Settings
from kotahub.resolvers.scope import Invalidation
from kotahub.store.cache import FallbackStore
from kotahub.store.generations import EVERYTHING, Generations

log = logging.getLogger("kotahub.cache")


def invalidations_channel(prefix: str) -> str:
    return f"{prefix}:invalidations"


@dataclass(frozen=True, slots=True)
class HubCacheAdmin:
    """One request's access to cache invalidation, decided by the scope of its API key."""

    settings: Settings
    store: FallbackStore
    generations: Generations
    sources: frozenset[str]
    principal: Principal

    async def invalidate(self, source: str) -> Invalidation:
        """Move the source, and whole responses, to their next generation; tell the other
        replicas to forget the generations they hold."""
        self._check_allowed()
        if source not in self.sources:
            known = ", ".join(sorted(self.sources))
            raise ClientInputError(f"no source is named {source!r}; expected one of: {known}")
        generation = await self.generations.advance(source)
        await self.generations.advance(EVERYTHING)
        channel = invalidations_channel(self.settings.cache_prefix)
        told = await self.store.on_redis(lambda redis: redis.publish(channel, source))
        log.warning("cache of source %s invalidated (generation %d)", source, generation)
        return Invalidation(source, generation, everywhere=told is not None)

    def _check_allowed(self) -> None:
        if not self.principal.allows(Role.ADMIN):
            raise NotAllowed(
                "invalidateCache needs an API key with the admin scope, sent as "
                f"'X-API-Key: <key>'; this request has the {self.principal.role.label} scope"
            )
