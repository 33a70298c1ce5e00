"""A value together with the sources that failed while producing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from kotahub.errors import SourceError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Partial(Generic[T]):
    """What could be answered, and the source errors that left the rest out."""

    value: T
    failures: tuple[SourceError, ...] = field(default_factory=tuple)
