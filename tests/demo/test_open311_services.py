"""Reference Open311 upstream, service list, service definitions and discovery."""

from __future__ import annotations

from pathlib import Path

import httpx

from kotahub.demo.open311 import create_open311_app
from tests.support.open311_client import (
    BASE,
    ClientFactory,
    Json,
    assert_error,
    listed,
)

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type"}
SERVICE_FIELDS |= {"keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description"}
ATTRIBUTE_FIELDS |= {"order", "description", "values"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


async def test_services_in_both_url_forms(open311_client: httpx.AsyncClient) -> None:
    plain, suffixed = (
        await open311_client.get("/services"),
        await open311_client.get("/services.json"),
    )
    assert plain.status_code == suffixed.status_code == 200
    assert plain.json() == suffixed.json()
    assert plain.headers["content-type"] == "application/json; charset=utf-8"
    assert plain.headers["cache-control"] == "public, max-age=60"
    services = plain.json()
    assert [s["service_code"] for s in services] == [
        "jalan-rusak",
        "lampu-jalan",
        "drainase-banjir",
        "sampah",
        "air-bersih",
        "ketertiban-umum",
        "pelayanan-publik",
        "pohon-tumbang",
    ]
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is True and service["type"] == "realtime"
        assert isinstance(service["keywords"], str) and "," in service["keywords"]
        assert " / " in service["description"]  # Indonesian / English


async def test_services_are_batch_when_ids_are_deferred(
    open311_database: Path, open311_connect: ClientFactory
) -> None:
    async with open311_connect(
        create_open311_app(database=open311_database, deferred_ids=True)
    ) as http:
        services = await listed(http, "/services.json")
    assert {s["type"] for s in services} == {"batch"}


async def test_service_definitions_in_both_url_forms(open311_client: httpx.AsyncClient) -> None:
    for service in await listed(open311_client, "/services.json"):
        code = service["service_code"]
        plain = await listed(open311_client, f"/services/{code}")
        assert plain == await listed(open311_client, f"/services/{code}.json")
        assert set(plain) == {"service_code", "attributes"} and plain["service_code"] == code
        attributes = plain["attributes"]
        assert 1 <= len(attributes) <= 3
        assert [a["order"] for a in attributes] == sorted({a["order"] for a in attributes})
        for attribute in attributes:
            assert set(attribute) == ATTRIBUTE_FIELDS and attribute["datatype"] in DATATYPES
            is_list = attribute["datatype"].endswith("valuelist")
            assert bool(attribute["values"]) == is_list
            assert all(set(v) == {"key", "name"} for v in attribute["values"])


async def test_service_definitions_hold_the_documented_attributes(
    open311_client: httpx.AsyncClient,
) -> None:
    async def attribute(code: str, name: str) -> Json:
        definition = await listed(open311_client, f"/services/{code}.json")
        found: Json = next(a for a in definition["attributes"] if a["code"] == name)
        return found

    roads = await attribute("jalan-rusak", "tingkat_kerusakan")
    assert (roads["datatype"], roads["required"]) == ("singlevaluelist", True)
    assert [v["key"] for v in roads["values"]] == ["ringan", "sedang", "berat"]
    pole = await attribute("lampu-jalan", "nomor_tiang")
    assert (pole["datatype"], pole["required"]) == ("string", False)
    water = await attribute("drainase-banjir", "ketinggian_air_cm")
    assert (water["datatype"], water["required"]) == ("number", True)
    waste = await attribute("sampah", "jenis_sampah")
    assert waste["datatype"] == "multivaluelist"
    info = await attribute("pohon-tumbang", "info_darurat")
    assert info["variable"] is False


async def test_unknown_service_definition_is_a_404(open311_client: httpx.AsyncClient) -> None:
    response = await open311_client.get("/services/jalan-berlubang.json")
    assert_error(response, 404, "'jalan-berlubang'", "jalan-rusak")


async def test_discovery_describes_this_endpoint(open311_client: httpx.AsyncClient) -> None:
    for path in ("/", "/discovery", "/discovery.json"):
        document = await listed(open311_client, path)
        endpoint = document["endpoints"][0]
        assert set(document) == {"changeset", "contact", "key_service", "endpoints"}
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["url"] == BASE and endpoint["formats"] == ["application/json"]
