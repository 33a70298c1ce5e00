"""FHIR codes and names that tell a facility's type and whether it gives emergency care."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from kotahub.adapters.payload_values import array
from kotahub.records import FacilityType

ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
SERVICE_CATEGORY = "http://terminology.hl7.org/CodeSystem/service-category"
SERVICE_TYPE = "http://terminology.hl7.org/CodeSystem/service-type"
LOCAL_FACILITY_TYPE = "https://fhir.kotahub.id/CodeSystem/facility-type"
LOCAL_SERVICE_KIND = "https://fhir.kotahub.id/CodeSystem/service-kind"

FACILITY_CODES: dict[tuple[str, str], FacilityType] = {
    (LOCAL_FACILITY_TYPE, "rumah-sakit"): "hospital",
    (LOCAL_FACILITY_TYPE, "puskesmas"): "puskesmas",
    (LOCAL_FACILITY_TYPE, "klinik"): "clinic",
    (LOCAL_FACILITY_TYPE, "apotek"): "pharmacy",
    (LOCAL_FACILITY_TYPE, "laboratorium"): "laboratory",
    (ROLE_CODE, "HOSP"): "hospital",
    (ROLE_CODE, "MHSP"): "hospital",
    (ROLE_CODE, "CHR"): "hospital",
    (ROLE_CODE, "GACH"): "hospital",
    (ROLE_CODE, "PEDHOSP"): "hospital",
    (ROLE_CODE, "PSYCHF"): "hospital",
    (ROLE_CODE, "RH"): "hospital",
    (ROLE_CODE, "PHARM"): "pharmacy",
    (ROLE_CODE, "OUTPHARM"): "pharmacy",
    (ROLE_CODE, "MBL"): "laboratory",
    (ROLE_CODE, "PC"): "clinic",
    (ROLE_CODE, "OF"): "clinic",
}
EMERGENCY_CODES = {
    (ROLE_CODE, "ER"),
    (ROLE_CODE, "ETU"),
    (SERVICE_CATEGORY, "14"),
    (SERVICE_TYPE, "117"),
    (LOCAL_SERVICE_KIND, "igd"),
    (LOCAL_SERVICE_KIND, "ugd"),
}
# When no code is known: names as Balikpapan writes them (Indonesian first, then English).
NAME_PATTERNS: tuple[tuple[re.Pattern[str], FacilityType], ...] = (
    (re.compile(r"\b(puskesmas|pkm)\b", re.I), "puskesmas"),
    (re.compile(r"\b(rumah sakit|rsud|rsia|rsu|rs|hospital)\b", re.I), "hospital"),
    (re.compile(r"\b(apotek|apotik|pharmacy)\b", re.I), "pharmacy"),
    (re.compile(r"\b(laboratorium|lab|labkesda|laboratory)\b", re.I), "laboratory"),
    (re.compile(r"\b(klinik|clinic)\b", re.I), "clinic"),
)
EMERGENCY_NAME = re.compile(r"\b(igd|ugd|gawat darurat|emergency)\b", re.I)


def codings(concepts: Any) -> Iterable[tuple[str, str]]:
    """``(system, code)`` of every coding in a CodeableConcept or a list of them."""
    items = concepts if isinstance(concepts, list) else [concepts]
    for concept in items:
        if not isinstance(concept, Mapping):
            continue
        for coding in array(concept.get("coding")):
            if isinstance(coding, Mapping) and isinstance(coding.get("code"), str):
                yield (str(coding.get("system", "")), coding["code"])


def concept_texts(concepts: Any) -> list[str]:
    """What people read of CodeableConcepts: their text, else their codings' displays."""
    items = concepts if isinstance(concepts, list) else [concepts]
    texts: list[str] = []
    for concept in items:
        if not isinstance(concept, Mapping):
            continue
        if isinstance(concept.get("text"), str):
            texts.append(concept["text"])
            continue
        codings = array(concept.get("coding"))
        displays = [c.get("display") for c in codings if isinstance(c, Mapping)]
        texts += [d for d in displays if isinstance(d, str)]
    return texts


def facility_type(codes: Iterable[tuple[str, str]], name: str) -> FacilityType:
    """The Indonesian type code if given; else the first known HL7 code, except that a name
    saying "Puskesmas" beats HL7's generic primary-care codes; else read from the name."""
    known = [code for code in codes if code in FACILITY_CODES]
    local = [code for code in known if code[0] == LOCAL_FACILITY_TYPE]
    if local:
        return FACILITY_CODES[local[0]]
    by_name: FacilityType = next(
        (kind for pattern, kind in NAME_PATTERNS if pattern.search(name)), "other"
    )
    if known and not (by_name == "puskesmas" and FACILITY_CODES[known[0]] == "clinic"):
        return FACILITY_CODES[known[0]]
    return by_name


def is_emergency(codes: Iterable[tuple[str, str]], name: str) -> bool:
    return any(code in EMERGENCY_CODES for code in codes) or bool(EMERGENCY_NAME.search(name))
