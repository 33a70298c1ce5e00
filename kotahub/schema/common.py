"""GraphQL types every domain shares: language, positions, provenance, paging."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from kotahub.records import GeoPoint as GeoPointRecord
from kotahub.records import Lang as LangCode
from kotahub.records import LocalizedText, Provenance
from kotahub.resolvers.positions import OUTSIDE, SWAPPED, location_doubt
from kotahub.resolvers.scope import CityBounds


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


@strawberry.enum(description="Why a position the source gives looks wrong for this city.")
class LocationDoubt(Enum):
    OUTSIDE_CITY = strawberry.enum_value(
        OUTSIDE, description="It lies outside the city's bounds (city_bounds)."
    )
    LAT_LON_SWAPPED = strawberry.enum_value(
        SWAPPED,
        description="It lies outside the city's bounds, and inside them with latitude and "
        "longitude swapped: the source likely swapped them.",
    )


DOUBT = (
    "Set when the position lies outside the city's bounds, saying whether latitude and "
    "longitude look swapped; null for a position in the city, or none."
)


def doubt_of(bounds: CityBounds, point: GeoPointRecord | None) -> LocationDoubt | None:
    """The doubt about a record's position, for the field beside its ``location``."""
    doubt = location_doubt(bounds, point)
    return LocationDoubt(doubt) if doubt else None


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
    tags: list[str] = strawberry.field(
        default_factory=list,
        description="The source's own labels of the record, such as FHIR meta.tag codes "
        "(HTEST: test data); empty when it gives none.",
    )

    @classmethod
    def of(cls, provenance: Provenance) -> SourceMeta:
        return cls(
            source=provenance.source,
            fetched_at=provenance.fetched_at,
            stale=provenance.stale,
            tags=list(provenance.tags),
        )


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None
