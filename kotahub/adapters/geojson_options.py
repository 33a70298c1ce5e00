"""The options of the GeoJSON adapter: paging, and which property holds which record field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from kotahub.adapters.json_options import PATH_PATTERN

PROPERTY_FIELDS = (
    "id",
    "name",
    "description",
    "description_en",
    "categories",
    "district",
    "address",
    "opening_hours",
    "latitude",
    "longitude",
    "photos",
    "ticket_price",
)


class PropertyMap(BaseModel, extra="forbid", frozen=True):
    """Record field -> dotted path in a Feature's ``properties``. A field named here is read
    there only; one not named is looked for under its common names (see
    ``geojson_properties``), whatever their case."""

    id: str | None = Field(default=None, pattern=PATH_PATTERN)
    name: str | None = Field(default=None, pattern=PATH_PATTERN)
    description: str | None = Field(default=None, pattern=PATH_PATTERN)
    description_en: str | None = Field(default=None, pattern=PATH_PATTERN)
    categories: str | None = Field(default=None, pattern=PATH_PATTERN)
    district: str | None = Field(default=None, pattern=PATH_PATTERN)
    address: str | None = Field(default=None, pattern=PATH_PATTERN)
    opening_hours: str | None = Field(default=None, pattern=PATH_PATTERN)
    latitude: str | None = Field(default=None, pattern=PATH_PATTERN)
    longitude: str | None = Field(default=None, pattern=PATH_PATTERN)
    photos: str | None = Field(default=None, pattern=PATH_PATTERN)
    ticket_price: str | None = Field(default=None, pattern=PATH_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(str(key) for key in value if key not in PROPERTY_FIELDS)
            if unknown:
                raise ValueError(
                    f"unknown field {unknown[0]!r}; known fields: {', '.join(PROPERTY_FIELDS)}"
                )
        return value

    def paths(self) -> dict[str, str]:
        """The configured fields and their paths."""
        return {name: path for name, path in self.model_dump().items() if path is not None}


class GeoJSONOptions(BaseModel, extra="forbid", frozen=True):
    """``page_size`` is sent as ``limit``; 0 sends no paging parameter (for static files).
    ``properties`` names the properties that hold the record's fields where their names are
    not common ones (``{ name = "NAMOBJ", id = "KODE" }``)."""

    page_size: int = Field(default=500, ge=0, le=10_000)
    properties: PropertyMap = Field(default_factory=PropertyMap)
