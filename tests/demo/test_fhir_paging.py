"""Paging through the reference FHIR R4 upstream: next links, _count and _getpagesoffset."""

from __future__ import annotations

import httpx

from tests.support.fhir_client import BASE, Resource, all_pages, ids, link, search


async def test_paging_by_next_links_yields_every_location_once(
    fhir_client: httpx.AsyncClient, fhir_data: dict[str, list[Resource]]
) -> None:
    pages = await all_pages(fhir_client, "/Location?_count=15")
    assert len(pages) == 3
    found = [i for page in pages for i in ids(page)]
    assert found == sorted(r["id"] for r in fhir_data["Location"])
    for page in pages:
        assert page["total"] == len(fhir_data["Location"]) >= 35
        assert link(page, "first") == f"{BASE}/Location?_count=15&_getpagesoffset=0"
        assert link(page, "last") == f"{BASE}/Location?_count=15&_getpagesoffset=30"
        for entry in page["entry"]:
            assert entry["fullUrl"] == f"{BASE}/Location/{entry['resource']['id']}"
    assert link(pages[0], "previous") is None
    assert link(pages[1], "previous") == f"{BASE}/Location?_count=15&_getpagesoffset=0"
    assert link(pages[1], "self") == f"{BASE}/Location?_count=15&_getpagesoffset=15"


async def test_count_has_a_default_a_maximum_and_zero_gives_only_the_total(
    fhir_client: httpx.AsyncClient, fhir_data: dict[str, list[Resource]]
) -> None:
    assert len((await search(fhir_client, "/HealthcareService"))["entry"]) == 20
    clamped = await search(fhir_client, "/HealthcareService", _count="9" * 30)
    assert len(clamped["entry"]) == len(fhir_data["HealthcareService"])
    assert link(clamped, "self") == f"{BASE}/HealthcareService?_count=500&_getpagesoffset=0"
    assert link(clamped, "next") is None
    only_total = await search(fhir_client, "/Location", _count=0)
    assert "entry" not in only_total and only_total["total"] == len(fhir_data["Location"])
    beyond = await search(fhir_client, "/Location", _getpagesoffset=1000)
    assert "entry" not in beyond and link(beyond, "next") is None
