"""What of each kind of record a search reads, and how much a match in each part counts."""

from __future__ import annotations

from kotahub.records import (
    ComplaintRecord,
    HealthFacilityRecord,
    IndicatorRecord,
    LocalizedText,
    ProgramRecord,
    TouristSpotRecord,
)
from kotahub.resolvers.city_items import CityItem
from kotahub.resolvers.smart_city import DIMENSIONS
from kotahub.resolvers.text_index import WeightedText

NAME, KIND, LABEL, BODY = 3.0, 3.0, 2.0, 1.0  # what it is named and what it is count most
_DIMENSION_NAMES: dict[str, LocalizedText] = {d.code: d.name for d in DIMENSIONS}


def document_of(item: CityItem) -> list[WeightedText]:
    """The texts of one item, each with its weight: names count most, then labels, then text."""
    record = item.record
    if isinstance(record, TouristSpotRecord):
        return _spot(record)
    if isinstance(record, HealthFacilityRecord):
        return _facility(record)
    if isinstance(record, ComplaintRecord):
        return _complaint(record)
    if isinstance(record, ProgramRecord):
        return _program(record)
    return _indicator(record, item.program)


def _spot(record: TouristSpotRecord) -> list[WeightedText]:
    labels = [(category, KIND) for category in record.categories]
    texts = [(record.name, NAME), *labels, (record.district, LABEL), (record.address, BODY)]
    return texts + _both(record.description, BODY)


def _facility(record: HealthFacilityRecord) -> list[WeightedText]:
    texts: list[WeightedText] = [(record.name, NAME), *[(a, NAME) for a in record.aliases]]
    texts += [(record.facility_type, KIND), (record.district, LABEL)]
    texts += [(record.organization, BODY), (record.address, BODY)]
    for service in record.services:
        texts += [(service.name, BODY), *[(t, BODY) for t in (*service.categories, *service.types)]]
    return texts


def _complaint(record: ComplaintRecord) -> list[WeightedText]:
    return [
        (record.category_name, KIND),
        (record.local_id, LABEL),
        (record.district, LABEL),
        (record.description, BODY),
        (record.address, BODY),
        (record.status_notes, BODY),
        (record.agency, BODY),
    ]


def _program(record: ProgramRecord) -> list[WeightedText]:
    dimension = _DIMENSION_NAMES.get(record.dimension or "")
    texts = [*_both(record.name, NAME), *_both(dimension, LABEL)]
    texts += [(tag, LABEL) for tag in record.tags]
    return [*texts, (record.agency, BODY), *_both(record.description, BODY)]


def _indicator(record: IndicatorRecord, program: ProgramRecord | None) -> list[WeightedText]:
    texts = [*_both(record.name, NAME), (record.code, LABEL), (record.iso_theme, LABEL)]
    return texts + (_both(program.name, BODY) if program else [])


def _both(text: LocalizedText | None, weight: float) -> list[WeightedText]:
    return [(text.id, weight), (text.en, weight)] if text else []
