"""The configured adapters, grouped by domain and found by source name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeGuard

from kotahub.contract import (
    Adapter,
    ComplaintsAdapter,
    DimensionsAdapter,
    HealthAdapter,
    TourismAdapter,
)


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every adapter the hub runs, built once at start-up."""

    adapters: tuple[Adapter, ...]

    @property
    def tourism(self) -> Sequence[TourismAdapter]:
        return [a for a in self.adapters if _is_tourism(a)]

    @property
    def health(self) -> Sequence[HealthAdapter]:
        return [a for a in self.adapters if _is_health(a)]

    @property
    def complaints(self) -> Sequence[ComplaintsAdapter]:
        return [a for a in self.adapters if _is_complaints(a)]

    @property
    def dimensions(self) -> Sequence[DimensionsAdapter]:
        return [a for a in self.adapters if _is_dimensions(a)]

    def named(self, source: str) -> Adapter | None:
        return next((a for a in self.adapters if a.source == source), None)


def _is_tourism(adapter: Adapter) -> TypeGuard[TourismAdapter]:
    return adapter.domain == "tourism" and callable(getattr(adapter, "spots", None))


def _is_health(adapter: Adapter) -> TypeGuard[HealthAdapter]:
    return adapter.domain == "health" and callable(getattr(adapter, "facilities", None))


def _is_complaints(adapter: Adapter) -> TypeGuard[ComplaintsAdapter]:
    return adapter.domain == "complaints" and callable(getattr(adapter, "submit", None))


def _is_dimensions(adapter: Adapter) -> TypeGuard[DimensionsAdapter]:
    return adapter.domain == "dimensions" and callable(getattr(adapter, "programs", None))
