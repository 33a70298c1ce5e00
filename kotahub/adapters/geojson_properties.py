"""A record field among a Feature's properties: at the configured path, else under one of the
names portals commonly give it (``NAME``, ``nombre``, ``nama``…), whatever their case."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from kotahub.adapters.json_paths import MISSING, pick

T = TypeVar("T")

# In the order they are tried; compared without case, blanks, "_" or "-".
COMMON_NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "objectid", "fid", "ogc_fid", "gid", "@id", "osm_id", "globalid", "uuid"),
    "name": (
        "name", "nama", "nombre", "nom", "nome", "naam", "title", "titel", "titulo", "namobj",
        "nama_objek", "nama_lokasi", "nama_tempat", "nama_wisata", "site_name", "place_name",
        "park_name", "label",
    ),
    "description": (
        "descriptionMap", "description", "deskripsi", "keterangan", "descripcion",
        "descripción", "desc", "remark", "summary",
    ),
    "description_en": ("description_en", "deskripsi_en", "description:en"),
    "categories": (
        "category", "categories", "kategori", "categoria", "categoría", "catégorie", "jenis",
        "tipe", "type", "tourism", "leisure",
    ),
    "district": (
        "district", "kecamatan", "wadmkc", "distrito", "borough", "arrondissement", "bezirk",
    ),
    "address": ("address", "alamat", "direccion", "dirección", "adresse", "addr:full"),
    "opening_hours": (
        "openingHours", "opening_hours", "jam_buka", "jam_operasional", "horario", "hours",
    ),
    "latitude": ("latitude", "lat", "lintang"),
    "longitude": ("longitude", "lon", "lng", "long", "bujur"),
    "photos": ("image", "images", "photo", "photos", "foto", "gambar", "imagen"),
    "ticket_price": ("ticketPrice", "ticket_price", "harga_tiket", "htm", "tiket"),
}  # fmt: skip
KEYS_SHOWN = 8  # property names a message lists


def folded(name: str) -> str:
    """A property name as compared: ``OBJECTID``, ``ObjectId`` and ``object_id`` alike."""
    return "".join(c for c in name.casefold() if c not in " _-")


class Properties:
    """One Feature's properties, read by record field."""

    def __init__(self, props: Mapping[str, Any], paths: Mapping[str, str]) -> None:
        self._props = props
        self._paths = paths
        self._by_folded: dict[str, str] = {}
        for key in props:
            self._by_folded.setdefault(folded(str(key)), key)

    def configured(self, field: str) -> bool:
        return field in self._paths

    def first(self, field: str, read: Callable[[Any], T | None]) -> T | None:
        """What ``read`` makes of the field's value: at its configured path only, else the
        first of its common names whose value ``read`` can use (a null ``NAME`` is passed
        over for a ``title``)."""
        path = self._paths.get(field)
        if path is not None:
            value = pick(self._props, path)
            return None if value is MISSING else read(value)
        for name in COMMON_NAMES[field]:
            key = name if name in self._props else self._by_folded.get(folded(name))
            found = read(self._props[key]) if key is not None else None
            if found is not None:
                return found
        return None

    def looked_for(self, field: str) -> str:
        """Where the field was looked for, and what the feature has, for a skip's detail."""
        path = self._paths.get(field)
        where = (
            f"nothing usable at {path!r} (options.properties.{field})"
            if path is not None
            else f"no usable {', '.join(COMMON_NAMES[field][:4])}, … property"
        )
        keys = [str(key) for key in self._props][:KEYS_SHOWN]
        more = ", …" if len(self._props) > KEYS_SHOWN else ""
        return f"{where}; its properties: {', '.join(keys) or 'none'}{more}"
