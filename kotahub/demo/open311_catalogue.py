"""The Open311 upstream's fixed data: services, their attributes, kelurahan and sample reports."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "open311.json"
BALIKPAPAN_BBOX = (116.80, -1.30, 117.10, -1.05)
"""minLon, minLat, maxLon, maxLat: reports must lie inside the city."""
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")
STATUSES = ("open", "closed")


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a service definition (GET services/{service_code})."""

    code: str
    datatype: str
    required: bool
    variable: bool
    order: int
    description: str
    datatype_description: str | None
    values: tuple[tuple[str, str], ...]
    """(key, name) of each option of a list datatype."""

    def definition(self) -> dict[str, Any]:
        """The attribute as the spec's JSON."""
        return {
            "variable": self.variable,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": self.order,
            "description": self.description,
            "values": [{"key": key, "name": name} for key, name in self.values],
        }


@dataclass(frozen=True, slots=True)
class Service:
    """A service request type, the agency handling it and its expected time to resolve."""

    code: str
    name: str
    description: str
    keywords: str
    group: str
    agency: str
    notice: str
    expected_days: int
    attributes: tuple[Attribute, ...]

    def summary(self, service_type: str) -> dict[str, Any]:
        """The entry of GET services; ``service_type`` is realtime or batch."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "metadata": bool(self.attributes),
            "type": service_type,
            "keywords": self.keywords,
            "group": self.group,
        }

    def definition(self) -> dict[str, Any]:
        """GET services/{service_code}: the attributes in their presentation order."""
        return {
            "service_code": self.code,
            "attributes": [a.definition() for a in self.attributes],
        }


@dataclass(frozen=True, slots=True)
class Kelurahan:
    """A kelurahan with its kecamatan, an approximate postal code and centre."""

    name: str
    district: str
    zipcode: str
    lat: float
    long: float


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything read from the data file, checked once at start-up."""

    services: tuple[Service, ...]
    kelurahan: tuple[Kelurahan, ...]
    samples: tuple[dict[str, Any], ...]
    by_code: dict[str, Service] = field(init=False)
    by_kelurahan: dict[str, Kelurahan] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_code", {s.code: s for s in self.services})
        object.__setattr__(self, "by_kelurahan", {k.name: k for k in self.kelurahan})

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Catalogue:
        """Reads and checks ``path``; raises ValueError naming what is wrong."""
        document = json.loads(path.read_text(encoding="utf-8"))
        agencies = {a["id"]: a["name"] for a in document["agencies"]}
        services = tuple(_service(s, agencies) for s in document["services"])
        kelurahan = tuple(
            Kelurahan(k["name"], d["name"], k["zipcode"], float(k["lat"]), float(k["long"]))
            for d in document["kecamatan"]
            for k in d["kelurahan"]
        )
        catalogue = cls(services, kelurahan, tuple(document["requests"]))
        _unique("service_code", [s.code for s in services])
        _unique("kelurahan", [k.name for k in kelurahan])
        for sample in catalogue.samples:
            catalogue.check_sample(sample)
        return catalogue

    def place(
        self, address: str | None, lat: float | None, long: float | None
    ) -> tuple[str | None, str | None]:
        """(district, zipcode) of a new report: a kelurahan named in ``address``, else the
        kecamatan named there, else the kecamatan of the nearest kelurahan centre."""
        text = (address or "").casefold()
        named = [k for k in self.kelurahan if k.name.casefold() in text]
        if named:
            best = max(named, key=lambda k: len(k.name))  # "Sepinggan Baru" over "Sepinggan"
            return best.district, best.zipcode
        for kelurahan in self.kelurahan:
            if kelurahan.district.casefold() in text:
                return kelurahan.district, None
        if lat is None or long is None:
            return None, None
        nearest = min(self.kelurahan, key=lambda k: math.hypot(k.lat - lat, k.long - long))
        return nearest.district, None

    def check_sample(self, sample: dict[str, Any]) -> None:
        """Raises ValueError when a sample report is inconsistent with the catalogue."""
        where = f"sample report {sample.get('description', '')[:40]!r}"
        if sample["service_code"] not in self.by_code:
            raise ValueError(f"{where}: unknown service_code {sample['service_code']!r}")
        if sample["kelurahan"] not in self.by_kelurahan:
            raise ValueError(f"{where}: unknown kelurahan {sample['kelurahan']!r}")
        if sample["status"] not in STATUSES:
            raise ValueError(f"{where}: status must be open or closed")
        if not inside_city(float(sample["lat"]), float(sample["long"])):
            raise ValueError(f"{where}: coordinates outside Balikpapan")
        if not 0 <= sample["updated_days_ago"] <= sample["requested_days_ago"]:
            raise ValueError(f"{where}: updated before requested, or in the future")


def inside_city(lat: float, long: float) -> bool:
    """Whether the point lies in BALIKPAPAN_BBOX."""
    min_long, min_lat, max_long, max_lat = BALIKPAPAN_BBOX
    return min_lat <= lat <= max_lat and min_long <= long <= max_long


def _service(raw: dict[str, Any], agencies: dict[str, str]) -> Service:
    attributes = tuple(sorted((_attribute(a) for a in raw["attributes"]), key=lambda a: a.order))
    where = f"service {raw['service_code']!r}"
    if not 1 <= len(attributes) <= 3:
        raise ValueError(f"{where}: needs 1 to 3 attributes")
    _unique(f"{where} attribute order", [a.order for a in attributes])
    _unique(f"{where} attribute code", [a.code for a in attributes])
    return Service(
        code=raw["service_code"],
        name=raw["service_name"],
        description=raw["description"],
        keywords=raw["keywords"],
        group=raw["group"],
        agency=agencies[raw["agency"]],
        notice=raw["service_notice"],
        expected_days=int(raw["expected_days"]),
        attributes=attributes,
    )


def _attribute(raw: dict[str, Any]) -> Attribute:
    values = tuple((str(v["key"]), str(v["name"])) for v in raw["values"])
    if raw["datatype"] not in DATATYPES:
        raise ValueError(f"attribute {raw['code']!r}: unknown datatype {raw['datatype']!r}")
    if (raw["datatype"] in LIST_DATATYPES) != bool(values):
        raise ValueError(f"attribute {raw['code']!r}: values are for list datatypes only")
    return Attribute(
        code=raw["code"],
        datatype=raw["datatype"],
        required=bool(raw["required"]),
        variable=bool(raw["variable"]),
        order=int(raw["order"]),
        description=raw["description"],
        datatype_description=raw["datatype_description"],
        values=values,
    )


def _unique(what: str, items: list[Any]) -> None:
    duplicates = sorted({str(i) for i in items if items.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}: {duplicates}")
