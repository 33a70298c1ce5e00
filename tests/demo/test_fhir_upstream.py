"""Tests for the reference FHIR R4 upstream (Balikpapan health facilities)."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from kotahub.demo.fhir import create_fhir_app
from kotahub.demo.fhir_store import BASE_PLACEHOLDER, DATA_FILE, FhirStore
from kotahub.demo.request_log import RequestLog

BASE = "http://fhir.test"
FHIR_JSON = "application/fhir+json; fhirVersion=4.0"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
FACILITY = "https://fhir.kotahub.id/CodeSystem/facility-type"
ESTIMATED = "https://fhir.kotahub.id/StructureDefinition/position-estimated"
DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"
BBOX = (116.80, -1.30, 117.10, -1.05)
KECAMATAN = {f"Balikpapan {p}" for p in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")}
DAYS = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]")
Resource = dict[str, Any]


@pytest.fixture
def app() -> Starlette:
    return create_fhir_app()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield http


@pytest.fixture
def stored() -> dict[str, list[Resource]]:
    document: dict[str, list[Resource]] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return document


def link(bundle: Resource, relation: str) -> str | None:
    urls = [str(item["url"]) for item in bundle["link"] if item["relation"] == relation]
    assert len(urls) <= 1, f"more than one {relation!r} link"
    return urls[0] if urls else None


def resources(bundle: Resource, mode: str = "match") -> list[Resource]:
    return [e["resource"] for e in bundle.get("entry", []) if e["search"]["mode"] == mode]


def ids(bundle: Resource, mode: str = "match") -> list[str]:
    return [str(r["id"]) for r in resources(bundle, mode)]


async def search(http: httpx.AsyncClient, path: str, **params: Any) -> Resource:
    response = await http.get(path, params=params)
    assert response.status_code == 200, response.text
    body: Resource = response.json()
    assert body["resourceType"] == "Bundle" and body["type"] == "searchset"
    return body


async def all_pages(http: httpx.AsyncClient, first: str) -> list[Resource]:
    pages: list[Resource] = []
    target: str | None = first
    while target is not None:
        response = await http.get(target)
        assert response.status_code == 200, response.text
        pages.append(response.json())
        target = link(pages[-1], "next")
        assert len(pages) <= 50, "paging does not end"
    return pages


def assert_outcome(response: httpx.Response, status: int, code: str, *quotes: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == FHIR_JSON
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    issue = body["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == code
    for text in quotes:
        assert text in issue["diagnostics"], issue["diagnostics"]


def codes(concepts: list[Resource] | None) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for cc in concepts or [] for c in cc.get("coding", [])}


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


async def test_metadata_is_an_r4_capability_statement(client: httpx.AsyncClient) -> None:
    response = await client.get("/metadata")
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


async def test_paging_by_next_links_yields_every_location_once(
    client: httpx.AsyncClient, stored: dict[str, list[Resource]]
) -> None:
    pages = await all_pages(client, "/Location?_count=15")
    assert len(pages) == 3
    found = [i for page in pages for i in ids(page)]
    assert found == sorted(r["id"] for r in stored["Location"])
    for page in pages:
        assert page["total"] == len(stored["Location"]) >= 35
        assert link(page, "first") == f"{BASE}/Location?_count=15&_getpagesoffset=0"
        assert link(page, "last") == f"{BASE}/Location?_count=15&_getpagesoffset=30"
        for entry in page["entry"]:
            assert entry["fullUrl"] == f"{BASE}/Location/{entry['resource']['id']}"
    assert link(pages[0], "previous") is None
    assert link(pages[1], "previous") == f"{BASE}/Location?_count=15&_getpagesoffset=0"
    assert link(pages[1], "self") == f"{BASE}/Location?_count=15&_getpagesoffset=15"


async def test_count_has_a_default_a_maximum_and_zero_gives_only_the_total(
    client: httpx.AsyncClient, stored: dict[str, list[Resource]]
) -> None:
    assert len((await search(client, "/HealthcareService"))["entry"]) == 20
    clamped = await search(client, "/HealthcareService", _count="9" * 30)
    assert len(clamped["entry"]) == len(stored["HealthcareService"])
    assert link(clamped, "self") == f"{BASE}/HealthcareService?_count=500&_getpagesoffset=0"
    assert link(clamped, "next") is None
    only_total = await search(client, "/Location", _count=0)
    assert "entry" not in only_total and only_total["total"] == len(stored["Location"])
    beyond = await search(client, "/Location", _getpagesoffset=1000)
    assert "entry" not in beyond and link(beyond, "next") is None


async def test_near_sorts_by_distance_and_keeps_only_those_within_the_radius(
    client: httpx.AsyncClient, stored: dict[str, list[Resource]]
) -> None:
    lat, lon = -1.2654, 116.8312
    distances = {
        r["id"]: haversine(lat, lon, r["position"]["latitude"], r["position"]["longitude"])
        for r in stored["Location"]
        if "position" in r
    }
    expected = sorted((d, i) for i, d in distances.items() if d <= 3)
    body = await search(client, "/Location", near=f"{lat}|{lon}|3|km", _count=100)
    assert ids(body) == [i for _, i in expected]
    assert 5 <= body["total"] < len(distances)
    reported = [e["search"]["extension"][0] for e in body["entry"]]
    assert all(x["url"] == DISTANCE and x["valueDistance"]["code"] == "km" for x in reported)
    values = [x["valueDistance"]["value"] for x in reported]
    assert values == sorted(values) and values[-1] <= 3
    default = await search(client, "/Location", near=f"{lat}|{lon}", _count=100)
    assert set(ids(default)) == {i for i, d in distances.items() if d <= 10}
    everywhere = await search(client, "/Location", near=f"{lat}|{lon}|500|km", _count=100)
    without_position = {r["id"] for r in stored["Location"] if "position" not in r}
    assert without_position and not without_position & set(ids(everywhere))
    assert everywhere["total"] == len(distances)


async def test_near_combines_with_other_parameters(client: httpx.AsyncClient) -> None:
    body = await search(client, "/Location", near="-1.2277|116.9610|50", type="ER", _count=3)
    assert ids(body) == ["rs-kanujoso-igd", "rs-siloam-igd", "rsud-beriman-igd"]
    assert body["total"] == 5
    next_page = link(body, "next")
    assert next_page is not None and "near=-1.2277%7C116.9610%7C50" in next_page


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("here", "invalid"),
        ("-1.2654", "invalid"),
        ("-91|116.8|5|km", "invalid"),
        ("-1.2654|116.8312|-3|km", "invalid"),
        ("-1.2654|116.8312|3|mi", "not-supported"),
    ],
)
async def test_bad_near_values_are_rejected(
    client: httpx.AsyncClient, value: str, code: str
) -> None:
    response = await client.get("/Location", params={"near": value})
    assert_outcome(response, 400, code, "'near'", value)


async def test_include_adds_each_managing_organization_once(client: httpx.AsyncClient) -> None:
    body = await search(client, "/Location", type=f"{ROLE}|HOSP", _include="Location:organization")
    hospitals = ids(body)
    assert len(hospitals) == 5
    included = resources(body, "include")
    assert sorted(r["id"] for r in included) == sorted(hospitals)
    assert {r["resourceType"] for r in included} == {"Organization"}
    urls = [e["fullUrl"] for e in body["entry"] if e["search"]["mode"] == "include"]
    assert sorted(urls) == sorted(f"{BASE}/Organization/{i}" for i in hospitals)
    assert body["total"] == 5
    contained = await search(
        client, "/Location", _id="apotek-kf-balikpapan-baru", _include="Location:organization"
    )
    assert ids(contained) == ["apotek-kf-balikpapan-baru"] and not resources(contained, "include")


async def test_revinclude_adds_the_services_at_each_location(client: httpx.AsyncClient) -> None:
    body = await search(
        client,
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
    client: httpx.AsyncClient,
) -> None:
    body = await search(
        client,
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
    client: httpx.AsyncClient, path: str, value: str
) -> None:
    response = await client.get(path, params={"_include": value})
    assert_outcome(response, 400, "not-supported", "_include", value)


def facility(resource: Resource) -> set[str]:
    return {code for system, code in codes(resource.get("type")) if system == FACILITY}


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
    client: httpx.AsyncClient,
    stored: dict[str, list[Resource]],
    resource_type: str,
    params: dict[str, str],
    wanted: Callable[[Resource], bool],
) -> None:
    expected = sorted(r["id"] for r in stored[resource_type] if wanted(r))
    body = await search(client, f"/{resource_type}", _count=500, **params)
    assert ids(body) == expected
    assert body["total"] == len(expected) > 0


async def test_repeated_parameters_must_all_match(client: httpx.AsyncClient) -> None:
    both = await search(client, "/Location", type=["PC", f"{FACILITY}|klinik"])
    assert ids(both) == ["klinik-kf-sudirman"]
    self_link = link(both, "self")
    assert self_link is not None and self_link.count("type=") == 2


async def test_unknown_parameter_is_rejected_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/Location", params={"name": "rsud", "sort": "name"})
    assert_outcome(response, 400, "not-supported", "'sort'", "near", "handling=lenient")
    modifier = await client.get("/Location", params={"type:text": "hospital"})
    assert_outcome(modifier, 400, "not-supported", "'type:text'", ":text")


async def test_lenient_handling_ignores_unknown_parameters(client: httpx.AsyncClient) -> None:
    strict = await search(client, "/Location", name="rsud")
    response = await client.get(
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
    client: httpx.AsyncClient, query: str, parameter: str, value: str
) -> None:
    response = await client.get(f"/Location?{query}")
    assert_outcome(response, 400, "invalid", f"'{parameter}'", value)


async def test_empty_parameters_are_ignored(client: httpx.AsyncClient) -> None:
    body = await search(client, "/Organization", name="", type=",", _count="", _format="json")
    assert link(body, "self") == f"{BASE}/Organization?_count=20&_getpagesoffset=0"
    xml = await client.get("/Organization", params={"_format": "xml"})
    assert_outcome(xml, 406, "not-supported", "'_format'", "'xml'")


async def test_references_to_other_servers_match_nothing(client: httpx.AsyncClient) -> None:
    foreign = "https://elsewhere.example/fhir/Organization/rs-pertamina"
    body = await search(client, "/HealthcareService", organization=foreign)
    assert body["total"] == 0 and "entry" not in body


async def test_read_returns_the_resource_with_absolute_references_on_this_server(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/Location/rs-hardjanto")
    assert response.status_code == 200
    assert response.headers["content-type"] == FHIR_JSON
    location = response.json()
    assert location["name"] == "RS Tk. II dr. R. Hardjanto"
    assert (ROLE, "MHSP") in codes(location["type"])
    reference = location["managingOrganization"]["reference"]
    assert reference == f"{BASE}/Organization/rs-hardjanto"
    assert (await client.get(reference)).json()["resourceType"] == "Organization"
    pharmacy = (await client.get("/Location/apotek-kf-balikpapan-baru")).json()
    assert pharmacy["managingOrganization"]["reference"] == "#org1"
    assert pharmacy["contained"][0]["id"] == "org1"


async def test_missing_resources_and_paths_are_operation_outcomes(
    client: httpx.AsyncClient,
) -> None:
    assert_outcome(
        await client.get("/Location/rs-bhayangkara"), 404, "not-found", "'rs-bhayangkara'"
    )
    assert_outcome(await client.get("/Patient"), 404, "not-supported", "'Patient'")
    assert_outcome(await client.get("/Patient/1"), 404, "not-supported", "'Patient'")
    assert_outcome(await client.get("/Location/a/b"), 404, "not-found", "/Location/a/b")
    posted = await client.post("/Location", json={"resourceType": "Location"})
    assert_outcome(posted, 405, "not-supported", "POST")


@pytest.mark.parametrize(
    "path",
    ["/metadata", "/Location?_count=3", "/Location/pkm-teritip", "/HealthcareService?active=true"],
)
async def test_etag_and_if_none_match(client: httpx.AsyncClient, path: str) -> None:
    first = await client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=300"
    assert (await client.get(path)).headers["etag"] == etag
    cached = await client.get(path, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""
    weak = await client.get(path, headers={"If-None-Match": f'"other", W/{etag}'})
    assert weak.status_code == 304
    assert (await client.get(path, headers={"If-None-Match": '"x"'})).status_code == 200


def token_form(secret: str = "demo-secret") -> dict[str, str]:
    return {"client_id": "kotahub-demo", "client_secret": secret}


TOKEN = "/oauth2/v1/accesstoken?grant_type=client_credentials"


async def test_token_endpoint_issues_satusehat_style_tokens(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    assert app.state.tokens_issued == 0
    response = await client.post(TOKEN, data=token_form())
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "BearerToken" and body["status"] == "approved"
    assert body["expires_in"] == "3599" and body["client_id"] == "kotahub-demo"
    assert len(body["access_token"]) >= 20 and body["issued_at"].isdigit()
    basic = base64.b64encode(b"kotahub-demo:demo-secret").decode()
    again = await client.post(TOKEN, headers={"Authorization": f"Basic {basic}"})
    assert again.status_code == 200
    assert again.json()["access_token"] != body["access_token"]
    assert app.state.tokens_issued == 2


@pytest.mark.parametrize(
    ("url", "form", "status", "error"),
    [
        (TOKEN, token_form("wrong"), 401, "invalid_client"),
        (TOKEN, {"client_id": "kotahub-demo"}, 401, "invalid_client"),
        ("/oauth2/v1/accesstoken", token_form(), 400, "invalid_request"),
        ("/oauth2/v1/accesstoken?grant_type=password", token_form(), 400, "unsupported_grant_type"),
    ],
)
async def test_token_endpoint_refuses_bad_requests(
    app: Starlette,
    client: httpx.AsyncClient,
    url: str,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    response = await client.post(url, data=form)
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]
    assert app.state.tokens_issued == 0


async def test_required_tokens_are_checked_and_expire() -> None:
    app = create_fhir_app(require_token=True, token_lifetime_s=1)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        missing = await http.get("/Location")
        assert_outcome(missing, 401, "security", "Bearer", f"{BASE}{TOKEN}")
        assert missing.headers["www-authenticate"].startswith("Bearer")
        assert_outcome(await http.get("/Location/rs-siloam"), 401, "security")
        statement = (await http.get("/metadata")).json()
        assert statement["rest"][0]["security"]["service"][0]["coding"][0]["code"] == "OAuth"
        token = (await http.post(TOKEN, data=token_form())).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert (await http.get("/Location", headers=headers)).status_code == 200
        forged = await http.get("/Location", headers={"Authorization": "Bearer forged"})
        assert_outcome(forged, 401, "security", "not valid")
        assert 'error="invalid_token"' in forged.headers["www-authenticate"]
        await asyncio.sleep(1.1)
        assert_outcome(await http.get("/Location", headers=headers), 401, "security", "expired")
        fresh = (await http.post(TOKEN, data=token_form())).json()["access_token"]
        renewed = await http.get("/Location", headers={"Authorization": f"Bearer {fresh}"})
        assert renewed.status_code == 200
    assert app.state.tokens_issued == 2


def test_store_loads_and_every_reference_resolves() -> None:
    store = FhirStore.load()
    assert len(store.all("Location")) >= 35
    assert store.get("Organization", "dkk-balikpapan") is not None


def test_every_kecamatan_has_a_puskesmas(stored: dict[str, list[Resource]]) -> None:
    puskesmas = [r for r in stored["Location"] if "puskesmas" in facility(r)]
    assert {r["address"]["district"] for r in puskesmas} == KECAMATAN
    for location in stored["Location"]:
        address = location["address"]
        assert address["city"] == "Balikpapan" and address["country"] == "ID"
        assert address["state"] == "Kalimantan Timur" and address["line"]
        assert address["district"] in KECAMATAN, location["id"]


def is_all_week(slots: list[Resource]) -> bool:
    return any(s.get("allDay") and set(s["daysOfWeek"]) == DAYS for s in slots)


def test_every_hospital_has_a_round_the_clock_emergency_service(
    stored: dict[str, list[Resource]],
) -> None:
    hospitals = {o["id"] for o in stored["Organization"] if "rumah-sakit" in facility(o)}
    assert len(hospitals) >= 5
    for hospital in hospitals:
        emergencies = [
            s
            for s in stored["HealthcareService"]
            if s.get("providedBy", {}).get("reference", "").endswith(f"Organization/{hospital}")
            and ("http://terminology.hl7.org/CodeSystem/service-category", "14")
            in codes(s["category"])
        ]
        assert emergencies, hospital
        assert all(is_all_week(s["availableTime"]) for s in emergencies), hospital


def test_coordinates_are_in_balikpapan_and_marked_estimated(
    stored: dict[str, list[Resource]],
) -> None:
    min_lon, min_lat, max_lon, max_lat = BBOX
    for location in stored["Location"]:
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


def test_every_opening_time_is_well_formed(stored: dict[str, list[Resource]]) -> None:
    for location in stored["Location"]:
        for slot in location.get("hoursOfOperation", []):
            check_slot(slot, "openingTime", "closingTime")
    for service in stored["HealthcareService"]:
        for slot in service.get("availableTime", []):
            check_slot(slot, "availableStartTime", "availableEndTime")


def test_the_data_has_the_awkward_parts_a_client_must_cope_with(
    stored: dict[str, list[Resource]],
) -> None:
    ours = ("https://fhir.kotahub.id/",)
    unknown = {
        kind: [
            r
            for r in stored[kind]
            if any(not x["url"].startswith(ours) for x in r.get("extension", []))
        ]
        for kind in ("Location", "HealthcareService")
    }
    assert unknown["Location"] and unknown["HealthcareService"]
    assert [r for r in stored["Location"] if "telecom" not in r]
    assert [r for r in stored["Location"] if "hoursOfOperation" not in r]
    assert [r for r in stored["Location"] if r.get("contained")]
    text = DATA_FILE.read_text(encoding="utf-8")
    assert text.count(f'"reference": "{BASE_PLACEHOLDER}') >= 3


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


async def test_latency_delays_each_request() -> None:
    slow = create_fhir_app(latency_ms=60)
    transport = httpx.ASGITransport(app=slow)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        started = time.perf_counter()
        response = await http.get("/metadata")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed >= 0.055
