"""The FHIR R4 adapter against the reference FHIR server over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from kotahub.adapters.near_grid import snapped
from kotahub.contract import Adapter, HealthAdapter
from kotahub.demo.app import HEALTH_FHIR
from kotahub.demo.fhir_store import DATA_FILE
from kotahub.errors import SourceHTTPError, SourcePayloadError
from kotahub.records import GeoPoint, HealthFacilityRecord, Near
from kotahub.resolvers.geo import distance_km, within
from tests.support.servers import ThreadedServer

DATA = json.loads(DATA_FILE.read_text())


def _health(adapter: Adapter) -> HealthAdapter:
    assert adapter.domain == "health"
    return adapter  # type: ignore[return-value]


def _operating_top_level_locations() -> set[str]:
    return {
        loc["id"]
        for loc in DATA["Location"]
        if "partOf" not in loc and loc.get("status") not in ("inactive", "suspended")
    }


def _by_id(records: Sequence[HealthFacilityRecord]) -> dict[str, HealthFacilityRecord]:
    return {record.local_id: record for record in records}


@pytest.fixture
def fhir(
    demo_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> Callable[..., HealthAdapter]:
    def make(**options: Any) -> HealthAdapter:
        base = demo_server.url + HEALTH_FHIR
        return _health(make_adapter(name="health", kind="fhir-r4", base_url=base, options=options))

    return make


async def test_pages_through_a_three_page_bundle(
    fhir: Callable[..., HealthAdapter], health_log: Any
) -> None:
    facilities = await fhir(page_size=15).facilities()
    locations = len(DATA["Location"])
    assert health_log.count("/Location") == -(-locations // 15) == 3
    assert set(_by_id(facilities)) == _operating_top_level_locations()


async def test_maps_types_hours_phone_and_emergency(fhir: Callable[..., HealthAdapter]) -> None:
    facilities = _by_id(await fhir().facilities())
    hospital = facilities["rs-kanujoso"]
    assert (hospital.facility_type, hospital.emergency, hospital.opening_hours) == (
        "hospital",
        True,
        "24/7",
    )
    assert hospital.district == "Balikpapan Utara" and hospital.location_estimated
    assert hospital.phone == "+62 542 000 1001"
    assert any(service.emergency for service in hospital.services)
    puskesmas = facilities["pkm-manggar"]
    assert puskesmas.facility_type == "puskesmas" and puskesmas.organization
    assert puskesmas.opening_hours == "Mo-Th 07:30-14:00; Fr 07:30-11:00; Sa 07:30-12:30"
    kinds = {record.facility_type for record in facilities.values()}
    assert kinds == {"hospital", "puskesmas", "clinic", "pharmacy", "laboratory"}


async def test_folds_emergency_wings_into_their_hospital(
    fhir: Callable[..., HealthAdapter],
) -> None:
    facilities = _by_id(await fhir().facilities())
    assert "rs-siloam-igd" not in facilities
    siloam = facilities["rs-siloam"]
    assert siloam.emergency
    assert any("IGD" in service.name or service.emergency for service in siloam.services)


async def test_accepts_real_world_resources(fhir: Callable[..., HealthAdapter]) -> None:
    facilities = _by_id(await fhir().facilities())
    # unknown extensions (bed-count) are ignored; missing hours are simply unknown
    assert facilities["rs-siloam"].name == "Siloam Hospitals Balikpapan"
    assert facilities["pkm-gunung-samarinda"].opening_hours is None
    # a contained Organization, and references given as absolute URLs
    assert facilities["apotek-kf-balikpapan-baru"].organization
    assert facilities["rs-hardjanto"].organization
    # closed or not yet open places are not offered
    assert "pkm-sepinggan-baru" not in facilities


async def test_near_is_searched_by_the_server_or_computed_alike(
    fhir: Callable[..., HealthAdapter], health_log: Any
) -> None:
    centre = Near(GeoPoint(lat=-1.2654, lon=116.8312), 4.0)
    by_server = await fhir(near_search="auto").facilities(centre)
    near_queries = [query for _, path, query in health_log.requests if "near=" in query]
    by_hub = await fhir(near_search="hub").facilities(centre)
    inside = {
        r.local_id for r in by_hub if r.location and distance_km(centre.point, r.location) <= 4.0
    }
    assert health_log.count("/metadata") == 1 and len(near_queries) == 1
    assert {r.local_id for r in by_server} >= inside  # asked on the grid: a wider circle
    asked = snapped(centre, 0.01)
    assert all(
        distance_km(asked.point, r.location) <= asked.radius_km for r in by_server if r.location
    )
    assert len(inside) < len(_operating_top_level_locations())


async def test_neighbouring_points_share_one_snapped_search(
    fhir: Callable[..., HealthAdapter], health_log: Any
) -> None:
    adapter = fhir(near_search="server")
    here = Near(GeoPoint(lat=-1.2631, lon=116.8313), 2.0)
    next_door = Near(GeoPoint(lat=-1.2612, lon=116.8291), 2.0)  # the same 0.01-degree cell
    await adapter.facilities(here)
    await adapter.facilities(next_door)
    near_queries = {query for _, _, query in health_log.requests if "near=" in query}
    assert len(near_queries) == 1
    assert "near=-1.260000%7C116.830000%7C3%7Ckm" in next(iter(near_queries))


async def test_separate_service_search_when_includes_are_off(
    fhir: Callable[..., HealthAdapter], health_log: Any
) -> None:
    facilities = _by_id(await fhir(includes=False).facilities())
    assert health_log.count("/HealthcareService") == 1
    assert health_log.count("/Organization") == 1
    assert facilities["rs-kanujoso"].emergency and facilities["rs-kanujoso"].services


async def test_operation_outcome_text_becomes_the_error(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    base = misbehaving_server.url + "/fhir-refusing/fhir"
    adapter = _health(make_adapter(name="strict", kind="fhir-r4", base_url=base))
    with pytest.raises(SourceHTTPError) as caught:
        await adapter.facilities()
    message = str(caught.value)
    assert message.startswith("source 'strict': GET /fhir-refusing/fhir/Location?")
    assert message.endswith("HTTP 400: error: Search parameter '_revinclude' is not supported")


async def test_operation_outcome_instead_of_a_bundle(
    misbehaving_server: ThreadedServer, make_adapter: Callable[..., Adapter]
) -> None:
    base = misbehaving_server.url + "/fhir-confused/fhir"
    adapter = _health(make_adapter(name="odd", kind="fhir-r4", base_url=base))
    with pytest.raises(SourcePayloadError, match="OperationOutcome: fatal: index is rebuilding"):
        await adapter.facilities()


@pytest.mark.parametrize(
    ("lat", "lon", "radius_km"),
    [
        (-1.2488, 116.8703, 0.02),  # the hospital, not its emergency wing 50 m away
        (-1.2491, 116.8707, 0.02),  # the wing, not the hospital
        (-1.2489, 116.8705, 0.1),  # both
        (-1.2654, 116.8312, 4.0),  # the city centre
    ],
)
async def test_server_near_and_hub_near_give_the_same_facilities(
    fhir: Callable[..., HealthAdapter], lat: float, lon: float, radius_km: float
) -> None:
    circle = Near(GeoPoint(lat=lat, lon=lon), radius_km)

    def shown(records: Sequence[HealthFacilityRecord]) -> list[tuple[str, bool, int]]:
        inside = within(records, circle, lambda record: record.location)
        return sorted((r.local_id, r.emergency, len(r.services)) for r, _ in inside)

    by_server = shown(await fhir(near_search="server").facilities(circle))
    by_hub = shown(await fhir(near_search="hub").facilities(circle))
    assert by_server == by_hub


async def test_without_a_capability_statement_the_hub_measures_distance(
    misbehaving_server: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    base = misbehaving_server.url + "/fhir-nometa/fhir"
    adapter = _health(make_adapter(name="nometa", kind="fhir-r4", base_url=base))
    found = await adapter.facilities(Near(GeoPoint(lat=-1.25, lon=116.85), 1))
    assert [(r.local_id, r.facility_type) for r in found] == [("c1", "clinic")]
    assert "no CapabilityStatement" in caplog.text


async def test_outcome_entries_warn_or_fail_the_search(
    misbehaving_server: ThreadedServer,
    make_adapter: Callable[..., Adapter],
    caplog: pytest.LogCaptureFixture,
) -> None:
    warned = _health(
        make_adapter(
            name="warned",
            kind="fhir-r4",
            base_url=misbehaving_server.url + "/fhir-outcome-warning/fhir",
        )
    )
    failed = _health(
        make_adapter(
            name="failed",
            kind="fhir-r4",
            base_url=misbehaving_server.url + "/fhir-outcome-error/fhir",
        )
    )
    assert [r.local_id for r in await warned.facilities()] == ["c1"]
    assert "results may be incomplete" in caplog.text
    with pytest.raises(SourcePayloadError, match="reported a problem: error: results may be"):
        await failed.facilities()
