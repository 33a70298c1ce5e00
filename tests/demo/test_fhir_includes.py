"""_include and _revinclude on the reference FHIR R4 upstream."""

from __future__ import annotations

import httpx
import pytest

from tests.support.fhir_client import BASE, ROLE, assert_outcome, ids, resources, search


async def test_include_adds_each_managing_organization_once(fhir_client: httpx.AsyncClient) -> None:
    body = await search(
        fhir_client, "/Location", type=f"{ROLE}|HOSP", _include="Location:organization"
    )
    hospitals = ids(body)
    assert len(hospitals) == 5
    included = resources(body, "include")
    assert sorted(r["id"] for r in included) == sorted(hospitals)
    assert {r["resourceType"] for r in included} == {"Organization"}
    urls = [e["fullUrl"] for e in body["entry"] if e["search"]["mode"] == "include"]
    assert sorted(urls) == sorted(f"{BASE}/Organization/{i}" for i in hospitals)
    assert body["total"] == 5
    contained = await search(
        fhir_client, "/Location", _id="apotek-kf-balikpapan-baru", _include="Location:organization"
    )
    assert ids(contained) == ["apotek-kf-balikpapan-baru"] and not resources(contained, "include")


async def test_revinclude_adds_the_services_at_each_location(
    fhir_client: httpx.AsyncClient,
) -> None:
    body = await search(
        fhir_client,
        "/Location",
        _id="rs-kanujoso,rs-kanujoso-igd",
        _revinclude="HealthcareService:location",
    )
    assert ids(body) == ["rs-kanujoso", "rs-kanujoso-igd"]
    assert sorted(ids(body, "include")) == [
        "rs-kanujoso-farmasi",
        "rs-kanujoso-igd",
        "rs-kanujoso-laboratorium",
        "rs-kanujoso-rawat-jalan",
    ]
    assert {r["resourceType"] for r in resources(body, "include")} == {"HealthcareService"}


async def test_service_includes_follow_absolute_references_too(
    fhir_client: httpx.AsyncClient,
) -> None:
    body = await search(
        fhir_client,
        "/HealthcareService",
        _id="rs-pertamina-igd,rs-pertamina-farmasi,rs-siloam-igd",
        _include=["HealthcareService:location", "HealthcareService:organization"],
    )
    assert ids(body) == ["rs-pertamina-farmasi", "rs-pertamina-igd", "rs-siloam-igd"]
    keys = [f"{r['resourceType']}/{r['id']}" for r in resources(body, "include")]
    assert sorted(keys) == [
        "Location/rs-pertamina",
        "Location/rs-pertamina-igd",
        "Location/rs-siloam-igd",
        "Organization/rs-pertamina",
        "Organization/rs-siloam",
    ]
    served = {r["id"]: r for r in resources(body)}
    provider = served["rs-pertamina-igd"]["providedBy"]["reference"]
    assert provider == f"{BASE}/Organization/rs-pertamina"
    assert served["rs-siloam-igd"]["location"][0]["reference"] == f"{BASE}/Location/rs-siloam-igd"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("/HealthcareService", "HealthcareService:providedBy"),
        ("/HealthcareService", "Location:organization"),
        ("/Location", "Location:organization:Location"),
        ("/Organization", "*"),
    ],
)
async def test_unsupported_includes_are_rejected(
    fhir_client: httpx.AsyncClient, path: str, value: str
) -> None:
    response = await fhir_client.get(path, params={"_include": value})
    assert_outcome(response, 400, "not-supported", "_include", value)
