"""Talking to the reference FHIR R4 upstream in tests: constants, Bundle readers and checks."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.upstream_http import follow_pages

BASE = "http://fhir.test"
FHIR_JSON = "application/fhir+json; fhirVersion=4.0"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
FACILITY = "https://fhir.kotahub.id/CodeSystem/facility-type"
Resource = dict[str, Any]


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
    return await follow_pages(http, first, lambda bundle: link(bundle, "next"))


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


def facility(resource: Resource) -> set[str]:
    return {code for system, code in codes(resource.get("type")) if system == FACILITY}
