"""Dropping a source's cached data in every replica, for the admins allowed to ask."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass, field

from kotahub.hub.cache import FallbackStore
from kotahub.hub.cache_generations import EVERYTHING, Generations
from kotahub.hub.errors import ClientInputError, NotAllowed
from kotahub.hub.settings import Settings
from kotahub.resolvers.scope import Invalidation

log = logging.getLogger("kotahub.cache")


def invalidations_channel(prefix: str) -> str:
    return f"{prefix}:invalidations"


@dataclass(frozen=True, slots=True)
class HubCacheAdmin:
    """One request's access to cache invalidation, decided by its Authorization header."""

    settings: Settings
    store: FallbackStore
    generations: Generations
    sources: frozenset[str]
    authorization: str | None = field(repr=False)

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
        token = self.settings.invalidation_token
        if token is None:
            raise NotAllowed(
                "invalidateCache is turned off; an operator turns it on by setting "
                "KOTAHUB_INVALIDATION_TOKEN, then sends it as 'Authorization: Bearer <token>'"
            )
        given = (self.authorization or "").removeprefix("Bearer ").strip()
        expected = token.get_secret_value().encode()
        if not given or not hmac.compare_digest(given.encode(), expected):
            raise NotAllowed("invalidateCache needs the admin token as 'Authorization: Bearer …'")
