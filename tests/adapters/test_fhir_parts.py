"""The pieces of the FHIR adapter: opening hours, references and facility types."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import opening_hours
import pytest

from kotahub.adapters.fhir_bundle import outcome_text, reference_key
from kotahub.adapters.fhir_codes import LOCAL_FACILITY_TYPE, ROLE_CODE, facility_type
from kotahub.adapters.fhir_facilities import tags
from kotahub.adapters.fhir_hours import osm_opening_hours

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def _hours(
    days: list[str], opening: str | None = None, closing: str | None = None, **extra: Any
) -> dict[str, Any]:
    entry: dict[str, Any] = {"daysOfWeek": days, **extra}
    if opening:
        entry |= {"openingTime": opening, "closingTime": closing}
    return entry


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([_hours([*WEEKDAYS, "sat", "sun"], allDay=True)], "24/7"),
        ([_hours(WEEKDAYS, "08:00:00", "16:00:00")], "Mo-Fr 08:00-16:00"),
        ([_hours(["mon", "wed", "fri"], "08:00:00", "12:00:00")], "Mo,We,Fr 08:00-12:00"),
        ([_hours(["sat"], "20:00:00", "23:59:59")], "Sa 20:00-24:00"),
        ([_hours(["fri"], "22:00:00", "02:00:00")], "Fr 22:00-02:00"),
        (
            [_hours(["sun"], allDay=True), _hours(WEEKDAYS, "07:00:00", "14:00:00")],
            "Mo-Fr 07:00-14:00; Su 00:00-24:00",
        ),
        ([_hours(["xyz"], "08:00:00", "09:00:00"), _hours(["mon"], "8 am", "9 am")], None),
        ("not a list", None),
    ],
)
def test_hours_become_osm_opening_hours(entries: Any, expected: str | None) -> None:
    text = osm_opening_hours(entries)
    assert text == expected
    if text:
        opening_hours.OpeningHours(text)  # it parses


def test_overlapping_days_add_rather_than_replace() -> None:
    text = osm_opening_hours(
        [_hours(WEEKDAYS, "08:00:00", "12:00:00"), _hours(["mon"], "13:00:00", "16:00:00")]
    )
    assert text is not None
    hours = opening_hours.OpeningHours(text)
    monday = datetime(2026, 11, 30)
    assert hours.is_open(monday.replace(hour=9)) and hours.is_open(monday.replace(hour=14))


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ({"reference": "Organization/rs-1"}, ("Organization", "rs-1")),
        ({"reference": "https://fhir.example/r4/Organization/rs-1"}, ("Organization", "rs-1")),
        ({"reference": "Location/x/_history/3"}, ("Location", "x")),
        ({"reference": "#org1"}, ("#", "org1")),
        ({"reference": "urn:uuid:1234"}, None),
        ({"display": "only a name"}, None),
        ("Organization/rs-1", None),
    ],
)
def test_reference_keys(reference: Any, expected: tuple[str, str] | None) -> None:
    assert reference_key(reference) == expected


@pytest.mark.parametrize(
    ("codes", "name", "expected"),
    [
        ([(LOCAL_FACILITY_TYPE, "puskesmas"), (ROLE_CODE, "PC")], "PKM Manggar", "puskesmas"),
        ([(ROLE_CODE, "PC")], "Puskesmas Lamaru", "puskesmas"),
        ([(ROLE_CODE, "PC")], "Klinik Pratama Sehat", "clinic"),
        ([(ROLE_CODE, "HOSP")], "Puskesmas Rawat Inap", "hospital"),
        ([], "RSUD Beriman", "hospital"),
        ([], "Apotek K-24", "pharmacy"),
        ([], "Gedung serbaguna", "other"),
    ],
)
def test_facility_types(codes: list[tuple[str, str]], name: str, expected: str) -> None:
    assert facility_type(codes, name) == expected


def test_an_outcome_says_what_its_details_text_says_before_diagnostics() -> None:
    # The specification's OperationOutcome example: diagnostics is where the error arose.
    outcome = {
        "resourceType": "OperationOutcome",
        "id": "101",
        "issue": [
            {
                "severity": "error",
                "code": "code-invalid",
                "details": {"text": 'The code "W" is not known and not legal in this context'},
                "diagnostics": "Acme.Interop.FHIRProcessors.Patient.processGender line 2453",
                "expression": ["Patient.gender"],
            },
            {"severity": "warning", "code": "processing", "diagnostics": "index is rebuilding"},
            {
                "severity": "information",
                "code": "informational",
                "details": {"coding": [{"code": "MSG_UPDATED", "display": "Updated"}]},
            },
        ],
    }
    assert outcome_text(outcome) == (
        'error: The code "W" is not known and not legal in this context; '
        "warning: index is rebuilding; information: Updated"
    )


def test_tags_are_the_codes_of_meta_tag_and_security() -> None:
    location = {
        "resourceType": "Location",
        "meta": {
            "tag": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST"},
                {
                    "system": "https://fhir.kotahub.id/CodeSystem/data-quality",
                    "code": "sample-hours",
                },
            ],
            "security": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST"},
                {"system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "code": "N"},
                {"display": "a label without a code"},
            ],
        },
    }
    assert tags(location) == ("HTEST", "sample-hours", "N")
    assert tags({"resourceType": "Location", "meta": {"tag": "HTEST"}}) == ()
