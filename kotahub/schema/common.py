"""GraphQL types every domain shares: language, positions, provenance, paging."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from kotahub.records import GeoPoint as GeoPointRecord
from kotahub.records import Lang as LangCode
from kotahub.records import LocalizedText, Provenance


@strawberry.enum(description="Language of text that people read; Indonesian comes first.")
class Lang(Enum):
    ID = "id"
    EN = "en"


def lang_code(lang: Lang | None, fallback: LangCode) -> LangCode:
    """The language asked for in an argument, else the request's language."""
    return "en" if lang is Lang.EN else "id" if lang is Lang.ID else fallback


def in_lang(text: LocalizedText, lang: Lang | None, fallback: LangCode) -> str:
    """The text in the language asked for, else in the request's language."""
    return text.pick(lang_code(lang, fallback))


def maybe_in_lang(text: LocalizedText | None, lang: Lang | None, fallback: LangCode) -> str | None:
    return in_lang(text, lang, fallback) if text else None


@strawberry.type(description="A WGS 84 position in decimal degrees.")
class GeoPoint:
    lat: float
    lon: float

    @classmethod
    def of(cls, point: GeoPointRecord | None) -> GeoPoint | None:
        return cls(lat=point.lat, lon=point.lon) if point else None


@strawberry.input(description="Look around a point: results within the radius, nearest first.")
class NearInput:
    lat: float = strawberry.field(description="Latitude, -90 to 90.")
    lon: float = strawberry.field(description="Longitude, -180 to 180.")
    radius_km: float = strawberry.field(default=5.0, description="Radius in kilometres, up to 500.")


@strawberry.type(description="Where an answer came from and how fresh it is.")
class SourceMeta:
    source: str = strawberry.field(description="The configured source's name.")
    fetched_at: datetime = strawberry.field(description="When the hub fetched it from the source.")
    stale: bool = strawberry.field(description="True when served past its time to live.")

    @classmethod
    def of(cls, provenance: Provenance) -> SourceMeta:
        return cls(
            source=provenance.source, fetched_at=provenance.fetched_at, stale=provenance.stale
        )


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None
