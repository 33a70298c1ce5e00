"""The tourism upstream's data: Balikpapan attractions loaded and checked once, indexed by id."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).parent / "data" / "attractions.json"
BALIKPAPAN_BBOX = (116.80, -1.30, 117.10, -1.05)
DISTRICTS = frozenset(
    f"Balikpapan {part}" for part in ("Barat", "Kota", "Selatan", "Tengah", "Timur", "Utara")
)
CATEGORIES = frozenset(
    {"beach", "nature", "wildlife", "park", "museum", "heritage", "religious", "culinary"}
    | {"shopping", "landmark", "recreation"}
)
_PHOTO_PATH = re.compile(r"photos/([a-z0-9][a-z0-9-]*)\.svg")


@dataclass(frozen=True, slots=True)
class Attraction:
    """One feature of the collection, with the fields the filters need pulled out."""

    id: str
    name: str
    district: str
    categories: frozenset[str]
    lon: float
    lat: float
    photos: tuple[str, ...]
    feature: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every attraction sorted by id, loaded once; ``loaded_at`` is the responses' timeStamp."""

    attractions: tuple[Attraction, ...]
    loaded_at: str
    by_id: dict[str, Attraction] = field(init=False)
    by_photo: dict[str, Attraction] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {a.id: a for a in self.attractions})
        photos = {name: a for a in self.attractions for name in a.photos}
        object.__setattr__(self, "by_photo", photos)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Catalogue:
        """Reads and checks the FeatureCollection at ``path``; raises ValueError if unusable."""
        document = json.loads(path.read_text(encoding="utf-8"))
        attractions = sorted((attraction_of(f) for f in document["features"]), key=_by_id)
        ids = [a.id for a in attractions]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"{path}: duplicate feature ids {duplicates}")
        stamp = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
        return cls(attractions=tuple(attractions), loaded_at=stamp)


def _by_id(attraction: Attraction) -> str:
    return attraction.id


def attraction_of(feature: dict[str, Any]) -> Attraction:
    """The Attraction for one stored feature; raises ValueError naming what is wrong."""
    fid = feature["id"]
    props = feature["properties"]
    district = props["address"]["district"]
    categories = frozenset(props["category"])
    if district not in DISTRICTS:
        raise ValueError(f"feature {fid!r}: district {district!r} is not a Balikpapan kecamatan")
    if not categories or not categories <= CATEGORIES:
        raise ValueError(f"feature {fid!r}: categories {sorted(categories)} not all known")
    photos = tuple(_photo_name(fid, path) for path in props["image"])
    lon, lat = feature["geometry"]["coordinates"]
    return Attraction(fid, props["name"], district, categories, lon, lat, photos, feature)


def _photo_name(fid: str, path: str) -> str:
    match = _PHOTO_PATH.fullmatch(path)
    if match is None:
        raise ValueError(f"feature {fid!r}: image {path!r} is not 'photos/<name>.svg'")
    return match.group(1)
