"""Maps GeoJSON Features with FIWARE PointOfInterest properties to tourist-spot records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from kotahub.adapters.payload_values import finite, text
from kotahub.records import (
    GeoPoint,
    LocalizedText,
    Provenance,
    TicketPrice,
    TouristSpotRecord,
)
from kotahub.upstream.skips import UnusableRecord

MAX_PRICE = 2**31 - 1  # GraphQL's Int
MAX_COORDINATE_NESTING = 3  # a MultiPolygon's positions are three lists down


def spot_from_feature(feature: Any, page_url: str, provenance: Provenance) -> TouristSpotRecord:
    """A record for one Feature; raises UnusableRecord when its id, name or shape is unusable."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise UnusableRecord("not a record", "not a GeoJSON Feature object")
    props = feature.get("properties") or {}
    if not isinstance(props, Mapping):
        raise UnusableRecord("not a record", "'properties' is not an object")
    local_id = feature.get("id", props.get("id"))
    if not isinstance(local_id, str | int) or str(local_id) == "":
        raise UnusableRecord("no id", "expected a string or number as 'id'")
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        raise UnusableRecord("no name", f"'{local_id}' has no 'name' (a non-empty string)")
    address = props.get("address")
    return TouristSpotRecord(
        source=provenance.source,
        local_id=str(local_id),
        name=name.strip(),
        provenance=provenance,
        categories=_strings(props.get("category")),
        district=_district(props, address),
        address=_street(address),
        description=_description(props),
        location=point_of(feature.get("geometry")),
        location_estimated=props.get("locationEstimated") is True,
        opening_hours=text(props.get("openingHours", props.get("opening_hours"))),
        ticket_price=_ticket(props.get("ticketPrice")),
        e_ticket_url=text(props.get("eTicketUrl")),
        photos=_photos(props.get("image"), page_url),
    )


def point_of(geometry: Any) -> GeoPoint | None:
    """A Point's position, else the mean of a geometry's distinct vertices; None if unusable."""
    if not isinstance(geometry, Mapping):
        return None
    positions = list(dict.fromkeys(_positions(geometry.get("coordinates"))))
    if not positions:
        return None
    lon = sum(p[0] for p in positions) / len(positions)
    lat = sum(p[1] for p in positions) / len(positions)
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return GeoPoint(lat=lat, lon=lon)


def _positions(value: Any, depth: int = 0) -> list[tuple[float, float]]:
    """The positions in GeoJSON ``coordinates``; deeper lists than any geometry's are
    left out."""
    if not isinstance(value, list) or depth > MAX_COORDINATE_NESTING:
        return []
    lon, lat = (finite(v) for v in value[:2]) if len(value) >= 2 else (None, None)
    if lon is not None and lat is not None:
        return [(lon, lat)]
    return [position for item in value for position in _positions(item, depth + 1)]


def _photos(value: Any, page_url: str) -> tuple[str, ...]:
    """Image links resolved against the page; one that is not a URL is left out."""
    photos = []
    for path in _strings(value):
        try:
            photos.append(urljoin(page_url, path))
        except ValueError:  # such as "http://[" (an IPv6 host never closed)
            continue
    return tuple(photos)


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str) and item.strip())
    return ()


def _district(props: Mapping[str, Any], address: Any) -> str | None:
    if isinstance(address, Mapping) and text(address.get("district")):
        return text(address.get("district"))
    return text(props.get("district"))


def _street(address: Any) -> str | None:
    if isinstance(address, str):
        return text(address)
    if not isinstance(address, Mapping):
        return None
    parts = [address.get("streetAddress"), address.get("addressLocality")]
    joined = ", ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())
    return joined or None


def _description(props: Mapping[str, Any]) -> LocalizedText | None:
    texts = props.get("descriptionMap")
    if not isinstance(texts, Mapping):
        texts = props.get("description")
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
