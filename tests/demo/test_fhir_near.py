"""The special `near` search parameter of the reference FHIR R4 upstream's Location."""

from __future__ import annotations

import math

import httpx
import pytest

from tests.support.fhir_client import Resource, assert_outcome, ids, link, search

DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


async def test_near_sorts_by_distance_and_keeps_only_those_within_the_radius(
    fhir_client: httpx.AsyncClient, fhir_data: dict[str, list[Resource]]
) -> None:
    lat, lon = -1.2654, 116.8312
    distances = {
        r["id"]: haversine(lat, lon, r["position"]["latitude"], r["position"]["longitude"])
        for r in fhir_data["Location"]
        if "position" in r
    }
    expected = sorted((d, i) for i, d in distances.items() if d <= 3)
    body = await search(fhir_client, "/Location", near=f"{lat}|{lon}|3|km", _count=100)
    assert ids(body) == [i for _, i in expected]
    assert 5 <= body["total"] < len(distances)
    reported = [e["search"]["extension"][0] for e in body["entry"]]
    assert all(x["url"] == DISTANCE and x["valueDistance"]["code"] == "km" for x in reported)
    values = [x["valueDistance"]["value"] for x in reported]
    assert values == sorted(values) and values[-1] <= 3
    default = await search(fhir_client, "/Location", near=f"{lat}|{lon}", _count=100)
    assert set(ids(default)) == {i for i, d in distances.items() if d <= 10}
    everywhere = await search(fhir_client, "/Location", near=f"{lat}|{lon}|500|km", _count=100)
    without_position = {r["id"] for r in fhir_data["Location"] if "position" not in r}
    assert without_position and not without_position & set(ids(everywhere))
    assert everywhere["total"] == len(distances)


async def test_near_combines_with_other_parameters(fhir_client: httpx.AsyncClient) -> None:
    body = await search(fhir_client, "/Location", near="-1.2277|116.9610|50", type="ER", _count=3)
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
    fhir_client: httpx.AsyncClient, value: str, code: str
) -> None:
    response = await fhir_client.get("/Location", params={"near": value})
    assert_outcome(response, 400, code, "'near'", value)
