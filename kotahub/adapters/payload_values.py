"""Values read from an upstream's JSON, which may hold anything where a protocol says a list,
a number or a string: a missing or mistyped list reads as empty, an unusable number or a
blank string as None."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from kotahub.errors import SourcePayloadError
from kotahub.records import GeoPoint


def array(value: Any) -> list[Any]:
    """``value`` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def listed(source: str, body: Mapping[str, Any], key: str, what: str) -> list[Any]:
    """The array a protocol puts under ``key`` (none there: empty); SourcePayloadError when
    it holds something else, since then the whole answer is not what the protocol says."""
    value = body.get(key)
    if value is None or isinstance(value, list):
        return value or []
    found = type(value).__name__
    raise SourcePayloadError(source, f"'{key}' should be an array of {what}, got {found}")


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def finite(value: Any) -> float | None:
    """A JSON number as a finite float; None for anything else: strings, booleans, NaN,
    1e400 (read as infinity) and integers too large for a float."""
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def text(value: Any) -> str | None:
    """A JSON string without its surrounding blanks; None for a blank one or anything else."""
    return value.strip() if isinstance(value, str) and value.strip() else None


def text_or_number(value: Any) -> str | None:
    """``text(value)``, or a JSON number written out, for ids and codes that some servers
    send as numbers."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return text(value)


def coordinate(value: Any) -> float | None:
    """A latitude or longitude as a JSON number or a numeric string ("-1.27"); None for a
    blank string or anything else."""
    if isinstance(value, str):
        try:
            return finite(float(value)) if value.strip() else None
        except ValueError:
            return None
    return finite(value)


def position(lat: Any, lon: Any) -> GeoPoint | None:
    """The point at ``lat``, ``lon``; None where real data means "no position": a missing,
    blank or non-numeric value, both zero (servers write 0, 0 for "unknown"), or a value
    off the globe."""
    latitude, longitude = coordinate(lat), coordinate(lon)
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return GeoPoint(lat=latitude, lon=longitude)


def position_fault(lat: Any, lon: Any) -> str | None:
    """Why numbers given for a position are none (see ``position``): off the globe, and
    whether latitude and longitude look swapped, as they always do swapped east of 90°E or
    west of 90°W; None when the position is usable or not given (missing, blank, 0, 0)."""
    latitude, longitude = coordinate(lat), coordinate(lon)
    if latitude is None or longitude is None or latitude == longitude == 0:
        return None
    if position(latitude, longitude) is not None:
        return None
    said = f"latitude {latitude:g}, longitude {longitude:g} is off the globe"
    swapped = -90 <= longitude <= 90 and -180 <= latitude <= 180
    return said + "; latitude and longitude look swapped" if swapped else said
