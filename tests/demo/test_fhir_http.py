"""The reference FHIR R4 upstream over HTTP: metadata, reads, errors, ETags, mounting, latency."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.fhir import create_fhir_app
from kotahub.demo.request_log import RequestLog
from tests.support.fhir_client import (
    BASE,
    FHIR_JSON,
    ROLE,
    all_pages,
    assert_outcome,
    codes,
    link,
)
from tests.support.upstream_http import assert_conditional_get


async def test_metadata_is_an_r4_capability_statement(fhir_client: httpx.AsyncClient) -> None:
    response = await fhir_client.get("/metadata")
    assert response.headers["content-type"] == FHIR_JSON
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1" and "json" in statement["format"]
    rest = statement["rest"][0]
    assert "security" not in rest
    found = {r["type"]: r for r in rest["resource"]}
    assert set(found) == {"Location", "Organization", "HealthcareService"}
    location = {p["name"]: p for p in found["Location"]["searchParam"]}
    assert location["near"]["type"] == "special"
    assert location["near"]["definition"] == "http://hl7.org/fhir/SearchParameter/Location-near"
    assert {"name", "type", "address", "address-city", "organization", "status"} <= set(location)
    assert "Location:organization" in found["Location"]["searchInclude"]
    assert "HealthcareService:location" in found["Location"]["searchRevInclude"]
    assert {"HealthcareService:location", "HealthcareService:organization"} <= set(
        found["HealthcareService"]["searchInclude"]
    )
    service = {p["name"] for p in found["HealthcareService"]["searchParam"]}
    assert {"location", "organization", "service-category", "service-type", "active"} <= service


async def test_read_returns_the_resource_with_absolute_references_on_this_server(
    fhir_client: httpx.AsyncClient,
) -> None:
    response = await fhir_client.get("/Location/rs-hardjanto")
    assert response.status_code == 200
    assert response.headers["content-type"] == FHIR_JSON
    location = response.json()
    assert location["name"] == "RS Tk. II dr. R. Hardjanto"
    assert (ROLE, "MHSP") in codes(location["type"])
    reference = location["managingOrganization"]["reference"]
    assert reference == f"{BASE}/Organization/rs-hardjanto"
    assert (await fhir_client.get(reference)).json()["resourceType"] == "Organization"
    pharmacy = (await fhir_client.get("/Location/apotek-kf-balikpapan-baru")).json()
    assert pharmacy["managingOrganization"]["reference"] == "#org1"
    assert pharmacy["contained"][0]["id"] == "org1"


async def test_missing_resources_and_paths_are_operation_outcomes(
    fhir_client: httpx.AsyncClient,
) -> None:
    assert_outcome(
        await fhir_client.get("/Location/rs-bhayangkara"), 404, "not-found", "'rs-bhayangkara'"
    )
    assert_outcome(await fhir_client.get("/Patient"), 404, "not-supported", "'Patient'")
    assert_outcome(await fhir_client.get("/Patient/1"), 404, "not-supported", "'Patient'")
    assert_outcome(await fhir_client.get("/Location/a/b"), 404, "not-found", "/Location/a/b")
    posted = await fhir_client.post("/Location", json={"resourceType": "Location"})
    assert_outcome(posted, 405, "not-supported", "POST")


@pytest.mark.parametrize(
    "path",
    ["/metadata", "/Location?_count=3", "/Location/pkm-teritip", "/HealthcareService?active=true"],
)
async def test_etag_and_if_none_match(fhir_client: httpx.AsyncClient, path: str) -> None:
    await assert_conditional_get(fhir_client, path)


async def test_links_work_when_mounted_under_health_fhir() -> None:
    upstream = create_fhir_app()
    hub = Starlette(routes=[Mount("/health/fhir", app=upstream)])
    prefix = "http://hub.test/health/fhir"
    transport = httpx.ASGITransport(app=hub)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as http:
        pages = await all_pages(http, "/health/fhir/Location?_count=15")
        entry = pages[0]["entry"][0]
        assert entry["fullUrl"] == f"{prefix}/Location/{entry['resource']['id']}"
        assert (await http.get(entry["fullUrl"])).status_code == 200
        siloam = (await http.get("/health/fhir/HealthcareService/rs-siloam-igd")).json()
        location = siloam["location"][0]["reference"]
        assert location == f"{prefix}/Location/rs-siloam-igd"
        assert (await http.get(location)).status_code == 200
        statement = (await http.get("/health/fhir/metadata")).json()
        assert statement["implementation"]["url"] == f"{prefix}/"
    assert len(pages) == 3
    assert link(pages[0], "next") == f"{prefix}/Location?_count=15&_getpagesoffset=15"
    log: RequestLog = upstream.state.request_log
    assert log.count("/Location") == 5 and log.count("/metadata") == 1
