"""Asking every source of a domain at once, keeping what answered and reporting what failed."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from kotahub.errors import SourceError
from kotahub.resolvers.outcome import Partial

K = TypeVar("K", bound=Hashable)
R = TypeVar("R")


async def from_every_source(
    loader: DataLoader[K, Sequence[R]], keys: Sequence[K]
) -> Partial[list[R]]:
    """All records the keys load; a source error leaves that source out and is reported."""
    results = await asyncio.gather(*(loader.load(key) for key in keys), return_exceptions=True)
    records: list[R] = []
    failures: list[SourceError] = []
    for result in results:
        if isinstance(result, SourceError):
            failures.append(result)
        elif isinstance(result, BaseException):
            raise result
        else:
            records.extend(result)
    return Partial(records, tuple(failures))
