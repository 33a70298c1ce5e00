"""The adapter contract every upstream protocol module fulfils."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from kotahub.records import (
    ComplaintCategoryRecord,
    ComplaintRecord,
    ComplaintSubmission,
    HealthFacilityRecord,
    IndicatorRecord,
    Near,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.upstream.client import SourceSession
from kotahub.upstream.source_settings import SourceSettings

Domain = Literal["tourism", "health", "complaints", "dimensions"]


class NoOptions(BaseModel, extra="forbid"):
    """For adapters that take no options."""


class Adapter(Protocol):
    """What the hub needs of any adapter, whatever its domain."""

    kind: ClassVar[str]
    domain: ClassVar[Domain]

    @property
    def source(self) -> str:
        """The configured name of the source this adapter speaks to."""
        ...

    async def probe(self) -> None:
        """Reach the upstream cheaply, bypassing the cache; raise a SourceError if it fails."""
        ...


class TourismAdapter(Adapter, Protocol):
    """A source of tourist attractions."""

    async def spots(self) -> Sequence[TouristSpotRecord]:
        """Every attraction the source offers, following its paging."""
        ...


class HealthAdapter(Adapter, Protocol):
    """A source of health facilities."""

    async def facilities(self, near: Near | None = None) -> Sequence[HealthFacilityRecord]:
        """Every operating facility; with ``near``, at least those within its radius."""
        ...


@dataclass(frozen=True, slots=True)
class ComplaintQuery:
    """Which complaints to read: a time span (None: the source's default) and filters."""

    since: datetime | None = None
    until: datetime | None = None
    status: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a source answered to a submission: its id, or a token that becomes one later."""

    upstream_id: str | None
    token: str | None = None


class ComplaintsAdapter(Adapter, Protocol):
    """A source of public complaints that also takes new ones."""

    async def categories(self) -> Sequence[ComplaintCategoryRecord]: ...

    async def complaints(self, query: ComplaintQuery) -> Sequence[ComplaintRecord]: ...

    async def complaint(self, local_id: str) -> ComplaintRecord | None: ...

    async def submit(self, submission: ComplaintSubmission, idempotency_key: str) -> Receipt:
        """Deliver one complaint; the same key must not create a second one upstream."""
        ...

    async def id_for_token(self, token: str) -> str | None: ...


@runtime_checkable
class ComplaintsById(Protocol):
    """Optional for a complaints adapter: many complaints in one call. Without it, each id is
    asked for on its own (``complaint``), all at once."""

    async def complaints_by_id(self, local_ids: Sequence[str]) -> Sequence[ComplaintRecord]:
        """The complaints with these ids, in as few calls as the protocol allows; ids the
        source does not know are left out."""
        ...


@dataclass(frozen=True, slots=True)
class UncertainPost:
    """A post of a submission whose outcome is unknown (its answer was lost, or its worker
    died mid-post): when it began, and when it ended or had ended at the latest."""

    began: datetime
    ended: datetime


@runtime_checkable
class ComplaintsLookup(Protocol):
    """Optional for a complaints adapter: finding a submission an interrupted post may have
    made, so that delivery does not send it twice to a source that ignores the idempotency
    key. Without it, the submission is sent again."""

    async def find_submitted(
        self, submission: ComplaintSubmission, posts: Sequence[UncertainPost]
    ) -> Sequence[str]:
        """The ids of every complaint at the source that one of ``posts`` may have made of
        this submission. The hub takes a single one no other complaint has claimed, and
        sends the submission again otherwise; raise a SourceError when the search cannot
        be done or read to its end (the submission is then sent again too)."""
        ...


class DimensionsAdapter(Adapter, Protocol):
    """A source of smart-city programs and their indicators."""

    async def programs(self, dimension: str | None = None) -> Sequence[ProgramRecord]: ...

    async def indicators(self, resource_id: str) -> Mapping[str, Sequence[IndicatorRecord]]:
        """Indicators of a resource, by program slug."""
        ...


class AdapterFactory(Protocol):
    """An adapter class: its options model, and a constructor taking what the hub hands it."""

    @property
    def options_model(self) -> type[BaseModel]:
        """The pydantic model the source's ``options`` must satisfy."""
        ...

    def __call__(
        self, settings: SourceSettings, session: SourceSession, logger: logging.Logger
    ) -> Adapter: ...
