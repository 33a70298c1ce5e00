"""Completeness and shape of the reference FHIR R4 upstream's Balikpapan sample data."""

from __future__ import annotations

import re

from kotahub.demo.fhir_store import BASE_PLACEHOLDER, DATA_FILE, FhirStore
from tests.support.fhir_client import Resource, codes, facility

ESTIMATED = "https://fhir.kotahub.id/StructureDefinition/position-estimated"
BBOX = (116.80, -1.30, 117.10, -1.05)
KECAMATAN = {f"Balikpapan {p}" for p in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")}
DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")


def test_store_loads_and_every_reference_resolves() -> None:
    store = FhirStore.load()
    assert len(store.all("Location")) >= 35
    assert store.get("Organization", "dkk-balikpapan") is not None


def test_every_kecamatan_has_a_puskesmas(fhir_data: dict[str, list[Resource]]) -> None:
    puskesmas = [r for r in fhir_data["Location"] if "puskesmas" in facility(r)]
    assert {r["address"]["district"] for r in puskesmas} == KECAMATAN
    for location in fhir_data["Location"]:
        address = location["address"]
        assert address["city"] == "Balikpapan" and address["country"] == "ID"
        assert address["state"] == "Kalimantan Timur" and address["line"]
        assert address["district"] in KECAMATAN, location["id"]


def is_all_week(slots: list[Resource]) -> bool:
    return any(s.get("allDay") and set(s["daysOfWeek"]) == DAYS for s in slots)


def test_every_hospital_has_a_round_the_clock_emergency_service(
    fhir_data: dict[str, list[Resource]],
) -> None:
    hospitals = {o["id"] for o in fhir_data["Organization"] if "rumah-sakit" in facility(o)}
    assert len(hospitals) >= 5
    for hospital in hospitals:
        emergencies = [
            s
            for s in fhir_data["HealthcareService"]
            if s.get("providedBy", {}).get("reference", "").endswith(f"Organization/{hospital}")
            and ("http://terminology.hl7.org/CodeSystem/service-category", "14")
            in codes(s["category"])
        ]
        assert emergencies, hospital
        assert all(is_all_week(s["availableTime"]) for s in emergencies), hospital


def test_coordinates_are_in_balikpapan_and_marked_estimated(
    fhir_data: dict[str, list[Resource]],
) -> None:
    min_lon, min_lat, max_lon, max_lat = BBOX
    for location in fhir_data["Location"]:
        position = location.get("position")
        if position is None:
            continue
        assert min_lon <= position["longitude"] <= max_lon, location["id"]
        assert min_lat <= position["latitude"] <= max_lat, location["id"]
        flags = [x for x in location.get("extension", []) if x["url"] == ESTIMATED]
        assert flags and isinstance(flags[0]["valueBoolean"], bool), location["id"]


def check_slot(slot: Resource, start: str, end: str) -> None:
    assert slot["daysOfWeek"] and set(slot["daysOfWeek"]) <= DAYS, slot
    if slot.get("allDay"):
        assert start not in slot and end not in slot, slot
        return
    assert TIME.fullmatch(slot[start]) and TIME.fullmatch(slot[end]), slot
    assert slot[start] < slot[end], slot


def test_every_opening_time_is_well_formed(fhir_data: dict[str, list[Resource]]) -> None:
    for location in fhir_data["Location"]:
        for slot in location.get("hoursOfOperation", []):
            check_slot(slot, "openingTime", "closingTime")
    for service in fhir_data["HealthcareService"]:
        for slot in service.get("availableTime", []):
            check_slot(slot, "availableStartTime", "availableEndTime")


def test_the_data_has_the_awkward_parts_a_client_must_cope_with(
    fhir_data: dict[str, list[Resource]],
) -> None:
    ours = ("https://fhir.kotahub.id/",)
    unknown = {
        kind: [
            r
            for r in fhir_data[kind]
            if any(not x["url"].startswith(ours) for x in r.get("extension", []))
        ]
        for kind in ("Location", "HealthcareService")
    }
    assert unknown["Location"] and unknown["HealthcareService"]
    assert [r for r in fhir_data["Location"] if "telecom" not in r]
    assert [r for r in fhir_data["Location"] if "hoursOfOperation" not in r]
    assert [r for r in fhir_data["Location"] if r.get("contained")]
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text.count(f'"reference": "{BASE_PLACEHOLDER}') >= 3
