"""``invalidateCache``: dropping a source's cached data everywhere (admins only)."""

from __future__ import annotations

import strawberry

from kotahub.errors import NotAllowed
from kotahub.schema.bounds import Code
from kotahub.schema.context import Info


@strawberry.type(description="What invalidateCache did.")
class InvalidateCachePayload:
    source: str
    generation: int = strawberry.field(description="The source's cache generation from now on.")
    everywhere: bool = strawberry.field(
        description="False when Redis was unreachable, so that only this replica forgot."
    )


async def resolve_invalidate_cache(info: Info, source: Code) -> InvalidateCachePayload:
    admin = info.context.scope.cache_admin
    if admin is None:
        raise NotAllowed("cache invalidation is not available on this endpoint")
    done = await admin.invalidate(source)
    return InvalidateCachePayload(
        source=done.source, generation=done.generation, everywhere=done.everywhere
    )
