"""Placeholder pictures served as the media_url of some sample reports."""

from __future__ import annotations

import textwrap
from html import escape

SVG = "image/svg+xml"
_GROUP_COLOURS = {
    "infrastruktur": "#455a64",
    "lingkungan": "#2e7d32",
    "utilitas": "#1565c0",
    "ketertiban": "#6a1b9a",
    "pelayanan": "#ef6c00",
}


def media_svg(service_name: str, group: str, address: str) -> bytes:
    """A generated placeholder 'photo' naming the kind of report and where it was made."""
    colour = _GROUP_COLOURS.get(group, "#37474f")
    lines = textwrap.wrap(address, 40)[:3]
    texts = "".join(
        f'<text x="320" y="{230 + 30 * i}" font-size="22">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    title = escape(service_name)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="400" '
        f'viewBox="0 0 640 400" role="img" aria-label="{title}"><title>{title}</title>'
        f'<rect width="640" height="400" fill="{colour}"/>'
        '<g fill="#ffffff" font-family="sans-serif" text-anchor="middle">'
        f'<text x="320" y="170" font-size="40">{title}</text>{texts}'
        '<text x="320" y="380" font-size="14" fill-opacity="0.8">'
        "Foto ilustrasi laporan / placeholder image - KotaHub sample data</text></g></svg>"
    ).encode()
