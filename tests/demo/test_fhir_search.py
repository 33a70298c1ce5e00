"""Search parameters of the reference FHIR R4 upstream: matching, modifiers and validation."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from tests.support.fhir_client import (
    BASE,
    FACILITY,
    ROLE,
    Resource,
    assert_outcome,
    codes,
    facility,
    ids,
    link,
    resources,
    search,
)


def name_starts(prefix: str) -> Callable[[Resource], bool]:
    def check(resource: Resource) -> bool:
        names = [resource["name"], *resource.get("alias", [])]
        return any(n.casefold().startswith(prefix.casefold()) for n in names)

    return check


SEARCHES: list[tuple[str, dict[str, str], Callable[[Resource], bool]]] = [
    ("Location", {"type": "PC"}, lambda r: (ROLE, "PC") in codes(r["type"])),
    ("Location", {"type": f"{ROLE}|ER"}, lambda r: r["id"].endswith("-igd")),
    ("Location", {"type": f"{FACILITY}|puskesmas"}, lambda r: "puskesmas" in facility(r)),
    ("Location", {"type": f"{FACILITY}|"}, lambda r: bool(facility(r))),
    (
        "Location",
        {"type": "HOSP,PHARM"},
        lambda r: bool({(ROLE, "HOSP"), (ROLE, "PHARM")} & codes(r["type"])),
    ),
    ("Location", {"name": "rsud"}, name_starts("rsud")),
    ("Location", {"name": "PUSKESMAS gunung"}, name_starts("puskesmas gunung")),
    ("Location", {"name:contains": "kimia"}, lambda r: "Kimia" in r["name"]),
    ("Location", {"name:exact": "Puskesmas Damai"}, lambda r: r["name"] == "Puskesmas Damai"),
    ("Location", {"address-city": "balik"}, lambda r: True),
    (
        "Location",
        {"address": "Balikpapan Utara"},
        lambda r: r["address"]["district"].endswith("Utara"),
    ),
    ("Location", {"address:contains": "sudirman"}, lambda r: "Sudirman" in r["address"]["line"][0]),
    ("Location", {"organization": "pkm-sepinggan"}, lambda r: r["id"].startswith("pkm-sepinggan")),
    ("Location", {"partof": "Location/rs-siloam"}, lambda r: r["id"] == "rs-siloam-igd"),
    ("Location", {"status": "suspended"}, lambda r: r["status"] == "suspended"),
    ("Organization", {"type": "govt"}, lambda r: r["id"] == "dkk-balikpapan"),
    ("Organization", {"name": "uptd puskesmas"}, name_starts("uptd puskesmas")),
    ("Organization", {"active": "true"}, lambda r: r["active"] is True),
    (
        "Organization",
        {"partof": "dkk-balikpapan"},
        lambda r: (
            r.get("partOf") is not None
            and r["partOf"]["reference"] == "Organization/dkk-balikpapan"
        ),
    ),
    ("Organization", {"address-city": "Balikpapan"}, lambda r: "address" in r),
    ("HealthcareService", {"service-category": "14"}, lambda r: r["id"].endswith(("-igd", "-ugd"))),
    (
        "HealthcareService",
        {"service-type": "http://terminology.hl7.org/CodeSystem/service-type|64"},
        lambda r: "farmasi" in r["id"],
    ),
    ("HealthcareService", {"active": "false"}, lambda r: r["active"] is False),
    ("HealthcareService", {"name": "laboratorium"}, name_starts("laboratorium")),
    (
        "HealthcareService",
        {"location": "Location/pkm-karang-rejo"},
        lambda r: r["id"].startswith("pkm-karang-rejo"),
    ),
    (
        "HealthcareService",
        {"organization": f"{BASE}/Organization/rs-pertamina"},
        lambda r: r["id"].startswith("rs-pertamina"),
    ),
    (
        "HealthcareService",
        {"_id": "rs-siloam-igd,pkm-damai-rawat-jalan,nope"},
        lambda r: r["id"] in ("rs-siloam-igd", "pkm-damai-rawat-jalan"),
    ),
]


@pytest.mark.parametrize(("resource_type", "params", "wanted"), SEARCHES)
async def test_search_parameters_select_the_right_resources(
    fhir_client: httpx.AsyncClient,
    fhir_data: dict[str, list[Resource]],
    resource_type: str,
    params: dict[str, str],
    wanted: Callable[[Resource], bool],
) -> None:
    expected = sorted(r["id"] for r in fhir_data[resource_type] if wanted(r))
    body = await search(fhir_client, f"/{resource_type}", _count=500, **params)
    assert ids(body) == expected
    assert body["total"] == len(expected) > 0


async def test_repeated_parameters_must_all_match(fhir_client: httpx.AsyncClient) -> None:
    both = await search(fhir_client, "/Location", type=["PC", f"{FACILITY}|klinik"])
    assert ids(both) == ["klinik-kf-sudirman"]
    self_link = link(both, "self")
    assert self_link is not None and self_link.count("type=") == 2


async def test_unknown_parameter_is_rejected_naming_it(fhir_client: httpx.AsyncClient) -> None:
    response = await fhir_client.get("/Location", params={"name": "rsud", "sort": "name"})
    assert_outcome(response, 400, "not-supported", "'sort'", "near", "handling=lenient")
    modifier = await fhir_client.get("/Location", params={"type:text": "hospital"})
    assert_outcome(modifier, 400, "not-supported", "'type:text'", ":text")


async def test_lenient_handling_ignores_unknown_parameters(fhir_client: httpx.AsyncClient) -> None:
    strict = await search(fhir_client, "/Location", name="rsud")
    response = await fhir_client.get(
        "/Location",
        params={"name": "rsud", "sort": "name", "_include": "Location:nothing"},
        headers={"Prefer": "return=representation, handling=lenient"},
    )
    assert response.status_code == 200
    assert response.headers["preference-applied"] == "handling=lenient"
    body = response.json()
    assert ids(body) == ids(strict) and body["total"] == strict["total"]
    assert link(body, "self") == link(strict, "self")
    (outcome,) = resources(body, "outcome")
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "warning"
    assert "'sort'" in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize(
    ("query", "parameter", "value"),
    [
        ("_count=-1", "_count", "-1"),
        ("_count=ten", "_count", "ten"),
        ("_getpagesoffset=x", "_getpagesoffset", "x"),
        ("status=closed", "status", "closed"),
        ("organization=Location/rs-siloam", "organization", "Location/rs-siloam"),
    ],
)
async def test_invalid_values_are_rejected_naming_the_parameter(
    fhir_client: httpx.AsyncClient, query: str, parameter: str, value: str
) -> None:
    response = await fhir_client.get(f"/Location?{query}")
    assert_outcome(response, 400, "invalid", f"'{parameter}'", value)


async def test_empty_parameters_are_ignored(fhir_client: httpx.AsyncClient) -> None:
    body = await search(fhir_client, "/Organization", name="", type=",", _count="", _format="json")
    assert link(body, "self") == f"{BASE}/Organization?_count=20&_getpagesoffset=0"
    xml = await fhir_client.get("/Organization", params={"_format": "xml"})
    assert_outcome(xml, 406, "not-supported", "'_format'", "'xml'")


async def test_references_to_other_servers_match_nothing(fhir_client: httpx.AsyncClient) -> None:
    foreign = "https://elsewhere.example/fhir/Organization/rs-pertamina"
    body = await search(fhir_client, "/HealthcareService", organization=foreign)
    assert body["total"] == 0 and "entry" not in body
