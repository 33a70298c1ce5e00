"""Maps a GeoJSON Feature to a tourist-spot record: FIWARE PointOfInterest properties, the
names real portals give them (``NAME``, ``nombre``…), or the ones the options name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from kotahub.adapters.geojson_geometry import located
from kotahub.adapters.geojson_options import PropertyMap
from kotahub.adapters.geojson_properties import Properties
from kotahub.adapters.payload_values import finite, position, text
from kotahub.records import GeoPoint, LocalizedText, Provenance, TicketPrice, TouristSpotRecord
from kotahub.upstream.skips import UnusableRecord

MAX_PRICE = 2**31 - 1  # GraphQL's Int


def spot_from_feature(
    feature: Any, page_url: str, provenance: Provenance, names: PropertyMap | None = None
) -> TouristSpotRecord:
    """A record for one Feature; raises UnusableRecord when its id, name or shape is unusable."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise UnusableRecord("not a record", "not a GeoJSON Feature object")
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        raise UnusableRecord("not a record", "'properties' is not an object")
    read = Properties(props, (names or PropertyMap()).paths())
    local_id = _local_id(feature, read)
    name = read.first("name", text)
    if name is None:
        raise UnusableRecord("no name", f"'{local_id}' has {read.looked_for('name')}")
    location, estimated = _location(feature.get("geometry"), read)
    return TouristSpotRecord(
        source=provenance.source,
        local_id=local_id,
        name=name,
        provenance=provenance,
        categories=read.first("categories", _strings) or (),
        district=read.first("district", text) or _district(props.get("address")),
        address=read.first("address", _street) or _osm_street(props),
        description=_described(read),
        location=location,
        location_estimated=estimated or props.get("locationEstimated") is True,
        opening_hours=read.first("opening_hours", text),
        ticket_price=read.first("ticket_price", _ticket),
        e_ticket_url=text(props.get("eTicketUrl")),
        photos=_photos(read.first("photos", _strings) or (), page_url),
    )


def _local_id(feature: Mapping[str, Any], read: Properties) -> str:
    """The configured property; else the Feature's ``id`` (RFC 7946 §3.2), else a common
    id property such as ArcGIS's ``OBJECTID``."""
    configured = read.configured("id")
    local_id = None if configured else _identifier(feature.get("id"))
    local_id = local_id or read.first("id", _identifier)
    if local_id is None:
        where = "no usable 'id' member, and " if not configured else ""
        raise UnusableRecord("no id", f"{where}{read.looked_for('id')}")
    return local_id


def _identifier(value: Any) -> str | None:
    """A string or number as an id, as written (``12.0`` as "12"); a boolean or a blank
    string is none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if finite(value) is None:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    return value if isinstance(value, str) and value.strip() else None


def _location(geometry: Any, read: Properties) -> tuple[GeoPoint | None, bool]:
    """The geometry's point; for a feature without one (geometry null, or "0, 0"), the
    coordinates its properties give, if any."""
    point, estimated = located(geometry)
    if point is not None:
        return point, estimated
    lat, lon = read.first("latitude", _given), read.first("longitude", _given)
    return position(lat, lon), False


def _given(value: Any) -> Any:
    return None if value is None or value == "" else value


def _photos(paths: tuple[str, ...], page_url: str) -> tuple[str, ...]:
    """Image links resolved against the page; one that is not a URL is left out."""
    photos = []
    for path in paths:
        try:
            photos.append(urljoin(page_url, path))
        except ValueError:  # such as "http://[" (an IPv6 host never closed)
            continue
    return tuple(photos)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else None
    if isinstance(value, list):
        found = tuple(item.strip() for item in value if isinstance(item, str) and item.strip())
        return found or None
    return None


def _district(address: Any) -> str | None:
    return text(address.get("district")) if isinstance(address, Mapping) else None


def _street(address: Any) -> str | None:
    """A FIWARE PostalAddress's street and locality, or an address written out."""
    if not isinstance(address, Mapping):
        return text(address)
    parts = [address.get("streetAddress"), address.get("addressLocality")]
    joined = ", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return joined or None


def _osm_street(props: Mapping[str, Any]) -> str | None:
    """OpenStreetMap's ``addr:street`` and ``addr:housenumber``, as exports carry them."""
    street = text(props.get("addr:street"))
    number = text(props.get("addr:housenumber"))
    return f"{street} {number}" if street and number else street


def _described(read: Properties) -> LocalizedText | None:
    """The description, with the English one where a property of its own holds it."""
    found = read.first("description", _description)
    english = read.first("description_en", text)
    if english is None or (found is not None and found.en):
        return found
    return LocalizedText(id=found.id if found else english, en=english)


def _description(texts: Any) -> LocalizedText | None:
    """A description in Indonesian and English (``{id, en}``), or written out in one."""
    if isinstance(texts, Mapping):
        indonesian = text(texts.get("id")) or text(texts.get("en"))
        return LocalizedText(id=indonesian, en=text(texts.get("en"))) if indonesian else None
    plain = text(texts)
    return LocalizedText(id=plain) if plain else None


def _ticket(value: Any) -> TicketPrice | None:
    if finite(value) is not None:
        return TicketPrice(adult=_whole(value))
    if not isinstance(value, Mapping):
        return None
    currency = text(value.get("currency")) or "IDR"
    return TicketPrice(
        adult=_whole(value.get("adult")),
        child=_whole(value.get("child")),
        currency=currency.upper(),
    )


def _whole(value: Any) -> int | None:
    """A price in whole units; None unless a number from 0 up to what GraphQL's Int holds."""
    number = finite(value)
    return int(number) if number is not None and 0 <= number <= MAX_PRICE else None
