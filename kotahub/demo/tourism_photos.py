"""Generated SVG placeholder photos of the tourism upstream's attractions."""

from __future__ import annotations

import textwrap
from html import escape

from kotahub.demo.tourism_catalogue import Attraction

SVG = "image/svg+xml"
_CATEGORY_COLOURS = {
    "beach": "#1f78b4",
    "nature": "#2e7d32",
    "wildlife": "#6d4c41",
    "park": "#558b2f",
    "religious": "#6a1b9a",
    "heritage": "#8d6e63",
    "museum": "#5d4037",
    "shopping": "#c62828",
    "culinary": "#ef6c00",
}


def photo_svg(attraction: Attraction) -> bytes:
    """A generated placeholder picture naming the attraction and its kecamatan."""
    colour = next(
        (_CATEGORY_COLOURS[c] for c in sorted(attraction.categories) if c in _CATEGORY_COLOURS),
        "#37474f",
    )
    lines = textwrap.wrap(attraction.name, 26)[:3]
    top = 200 - 22 * len(lines)
    texts = "".join(
        f'<text x="320" y="{top + 44 * i}" font-size="34">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    name = escape(attraction.name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" '
        f'viewBox="0 0 640 400" role="img" aria-label="{name}"><title>{name}</title>'
        f'<rect width="640" height="400" fill="{colour}"/>'
        '<circle cx="560" cy="70" r="40" fill="#ffffff" fill-opacity="0.25"/>'
        '<path d="M0 330 L160 250 L300 320 L450 230 L640 320 L640 400 L0 400 Z" '
        'fill="#000000" fill-opacity="0.2"/>'
        '<g fill="#ffffff" font-family="sans-serif" text-anchor="middle">'
        f'{texts}<text x="320" y="{top + 44 * len(lines) + 10}" font-size="20">'
        f"{escape(attraction.district)}</text>"
        '<text x="320" y="380" font-size="14" fill-opacity="0.8">'
        "Foto ilustrasi / placeholder image - KotaHub sample data</text></g></svg>"
    ).encode()
