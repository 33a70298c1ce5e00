"""Which GraphQL type shows each kind of place: each place type registers its record class."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kotahub.records import Provenance, TouristSpotRecord
from kotahub.resolvers.city_items import CityItem
from kotahub.schema.build import build_schema
from kotahub.schema.place_types import graphql_place
from kotahub.schema.tourism import TouristSpot

PROVENANCE = Provenance("wisata", datetime(2025, 3, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class BeachRecord(TouristSpotRecord):
    """A record an adapter refines, as partners may: still a tourist spot."""

    lifeguard: bool = False


def test_a_place_is_shown_by_the_type_its_record_class_registered() -> None:
    build_schema(federation=False)  # every place type registered
    record = TouristSpotRecord("wisata", "1", "Pantai Manggar", PROVENANCE)
    shown = graphql_place(CityItem("tourist_spot", "wisata", "1", record), 1.5)
    assert isinstance(shown, TouristSpot) and shown.distance_km == 1.5


def test_a_record_of_a_subclass_is_shown_as_its_base_class_is() -> None:
    build_schema(federation=False)
    record = BeachRecord("wisata", "2", "Pantai Lamaru", PROVENANCE, lifeguard=True)
    shown = graphql_place(CityItem("tourist_spot", "wisata", "2", record))
    assert isinstance(shown, TouristSpot) and shown.record is record
