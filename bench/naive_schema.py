"""The schema a team would write by hand: resolvers call the upstreams directly, no caching.

Same fields and response shape as the hub for the landing query; no DataLoaders, so each
tourist spot searches for its own puskesmas and each program fetches its own indicators.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import opening_hours
import strawberry

from kotahub.demo.app import COMPLAINTS_OPEN311, DIMENSIONS_CKAN, HEALTH_FHIR, TOURISM_ITEMS
from kotahub.resolvers.smart_city import DIMENSIONS

CITY_ZONE = ZoneInfo("Asia/Makassar")
DISTANCE = "http://hl7.org/fhir/StructureDefinition/location-distance"
CKAN = f"{DIMENSIONS_CKAN}/api/3/action"


@dataclass
class Context:
    """The shared client and where the upstreams are."""

    http: httpx.AsyncClient
    base: str

    async def get(self, path: str, params: dict[str, str | int] | None = None) -> Any:
        response = await self.http.get(f"{self.base}{path}", params=params)
        response.raise_for_status()
        return response.json()


Info = strawberry.Info[Context, None]


@strawberry.enum
class FacilityType(Enum):
    HOSPITAL = "hospital"
    PUSKESMAS = "puskesmas"
    CLINIC = "clinic"
    PHARMACY = "pharmacy"
    LABORATORY = "laboratory"
    OTHER = "other"


@strawberry.enum
class ComplaintStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"


@strawberry.enum
class DimensionCode(Enum):
    GOVERNANCE = "governance"
    BRANDING = "branding"
    ECONOMY = "economy"
    LIVING = "living"
    SOCIETY = "society"
    ENVIRONMENT = "environment"


@strawberry.type
class HealthFacility:
    name: str
    distance_km: float | None


@strawberry.type
class TouristSpot:
    feature: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def name(self) -> str:
        return str(self.feature["properties"]["name"])

    @strawberry.field
    def district(self) -> str | None:
        address = self.feature["properties"].get("address") or {}
        district = address.get("district")
        return str(district) if district else None

    @strawberry.field
    def is_open_now(self) -> bool | None:
        hours = self.feature["properties"].get("openingHours")
        if not hours:
            return None
        now = datetime.now(CITY_ZONE).replace(tzinfo=None)
        return bool(opening_hours.OpeningHours(hours).is_open(now))

    @strawberry.field
    async def nearby_health_facilities(
        self, info: Info, radius_km: float = 5.0, type: FacilityType | None = None, first: int = 5
    ) -> list[HealthFacility]:
        lon, lat = self.feature["geometry"]["coordinates"][:2]
        params: dict[str, str | int] = {"near": f"{lat}|{lon}|{radius_km:g}|km", "_count": first}
        params["status"] = "active"
        if type is not None:
            params["type"] = type.value
        bundle = await info.context.get(f"{HEALTH_FHIR}/Location", params)
        return [_facility(entry) for entry in bundle.get("entry") or []]


def _facility(entry: dict[str, Any]) -> HealthFacility:
    extensions = (entry.get("search") or {}).get("extension") or []
    distances = [e["valueDistance"]["value"] for e in extensions if e.get("url") == DISTANCE]
    return HealthFacility(
        name=entry["resource"]["name"], distance_km=distances[0] if distances else None
    )


@strawberry.type
class TouristSpotEdge:
    node: TouristSpot


@strawberry.type
class TouristSpotConnection:
    edges: list[TouristSpotEdge]


@strawberry.type
class Complaint:
    tracking_id: str
    category_name: str | None
    district: str | None


@strawberry.type
class ComplaintEdge:
    node: Complaint


@strawberry.type
class ComplaintConnection:
    edges: list[ComplaintEdge]


@strawberry.input
class ComplaintFilter:
    status: ComplaintStatus | None = None


@strawberry.type
class IndicatorValue:
    period: str
    value: float


@strawberry.type
class Indicator:
    name: str
    latest: IndicatorValue | None


@strawberry.type
class Program:
    package: strawberry.Private[dict[str, Any]]

    @strawberry.field
    def name(self) -> str:
        return str(self.package["title"])

    @strawberry.field
    async def indicators(self, info: Info) -> list[Indicator]:
        extras = {e["key"]: e["value"] for e in self.package.get("extras") or []}
        params: dict[str, str | int] = {
            "resource_id": extras["indicator_resource_id"],
            "filters": f'{{"program": "{self.package["name"]}"}}',
            "sort": "indicator asc, period asc",
            "limit": 1000,
        }
        found = await info.context.get(f"{CKAN}/datastore_search", params)
        return _indicators(found["result"]["records"])


def _indicators(rows: list[dict[str, Any]]) -> list[Indicator]:
    """One indicator per code, its latest value the last period's."""
    by_code: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_code.setdefault(row["indicator"], []).append(row)
    return [
        Indicator(
            name=series[-1]["name_id"],
            latest=IndicatorValue(period=series[-1]["period"], value=float(series[-1]["value"])),
        )
        for series in by_code.values()
    ]


@strawberry.type
class Dimension:
    code: DimensionCode
    name: str

    @strawberry.field
    async def programs(self, info: Info) -> list[Program]:
        params: dict[str, str | int] = {
            "fq": f'extras_dimension:"{self.code.value}"',
            "rows": 100,
            "sort": "name asc",
        }
        found = await info.context.get(f"{CKAN}/package_search", params)
        return [Program(package=package) for package in found["result"]["results"]]


@strawberry.type
class Query:
    @strawberry.field
    async def tourist_spots(self, info: Info, first: int = 20) -> TouristSpotConnection:
        found = await info.context.get(TOURISM_ITEMS, {"limit": 500})
        features = sorted(found["features"], key=lambda f: str(f["properties"]["name"]).casefold())
        spots = [TouristSpot(feature=feature) for feature in features[:first]]
        return TouristSpotConnection(edges=[TouristSpotEdge(node=spot) for spot in spots])

    @strawberry.field
    async def complaints(
        self, info: Info, filter: ComplaintFilter | None = None, first: int = 20
    ) -> ComplaintConnection:
        params: dict[str, str | int] = {}
        if filter is not None and filter.status is not None:
            params["status"] = filter.status.value
        found = await info.context.get(f"{COMPLAINTS_OPEN311}/requests.json", params)
        return ComplaintConnection(edges=[ComplaintEdge(node=_complaint(r)) for r in found[:first]])

    @strawberry.field
    def dimensions(self) -> list[Dimension]:
        return [Dimension(code=DimensionCode(d.code), name=d.name.id) for d in DIMENSIONS]


def _complaint(request: dict[str, Any]) -> Complaint:
    return Complaint(
        tracking_id=request["service_request_id"],
        category_name=request.get("service_name"),
        district=request.get("district"),
    )


schema = strawberry.Schema(query=Query)
