"""The options of the declarative JSON adapter: domain, items path, field paths and paging."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from kotahub.contract import Domain

Paging = Literal["none", "page", "offset", "next_link", "cursor"]
COMMON_FIELDS = ("id", "name", "latitude", "longitude", "district", "address", "opening_hours")
DOMAIN_FIELDS: dict[str, tuple[str, ...]] = {
    "tourism": ("description", "description_en", "categories"),
    "health": ("phone", "facility_type", "emergency"),
}
FIELD_NAMES = tuple(
    dict.fromkeys((*COMMON_FIELDS, *(f for v in DOMAIN_FIELDS.values() for f in v)))
)
PATH_PATTERN = r"^[^.\s]+(\.[^.\s]+)*$"


class FieldMap(BaseModel, extra="forbid", frozen=True):
    """Record field -> dotted path in an item; ``id`` and ``name`` are required."""

    id: str = Field(pattern=PATH_PATTERN)
    name: str = Field(pattern=PATH_PATTERN)
    latitude: str | None = Field(default=None, pattern=PATH_PATTERN)
    longitude: str | None = Field(default=None, pattern=PATH_PATTERN)
    district: str | None = Field(default=None, pattern=PATH_PATTERN)
    address: str | None = Field(default=None, pattern=PATH_PATTERN)
    opening_hours: str | None = Field(default=None, pattern=PATH_PATTERN)
    description: str | None = Field(default=None, pattern=PATH_PATTERN)
    description_en: str | None = Field(default=None, pattern=PATH_PATTERN)
    categories: str | None = Field(default=None, pattern=PATH_PATTERN)
    phone: str | None = Field(default=None, pattern=PATH_PATTERN)
    facility_type: str | None = Field(default=None, pattern=PATH_PATTERN)
    emergency: str | None = Field(default=None, pattern=PATH_PATTERN)

    @model_validator(mode="before")
    @classmethod
    def _known_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            unknown = sorted(str(key) for key in value if key not in FIELD_NAMES)
            if unknown:
                raise ValueError(
                    f"unknown field {unknown[0]!r}; known fields: {', '.join(FIELD_NAMES)}"
                )
            missing = [key for key in ("id", "name") if key not in value]
            if missing:
                raise ValueError(
                    f"'{missing[0]}' is required: the path to each item's {missing[0]}"
                )
        return value

    def paths(self) -> dict[str, str]:
        """The configured fields and their paths."""
        return {name: path for name, path in self.model_dump().items() if path is not None}


class JSONOptions(BaseModel, extra="forbid", frozen=True):
    """What a ``json`` source's ``options`` may set."""

    domain: Literal["tourism", "health"]
    items: str = Field(default="", pattern=rf"{PATH_PATTERN}|^$")
    fields: FieldMap
    paging: Paging = "none"
    page_size: int = Field(default=100, ge=1, le=10_000)
    page_param: str = Field(default="page", min_length=1)
    first_page: int = Field(default=1, ge=0)
    size_param: str = "page_size"  # page style; cursor and next_link send it too; "" sends none
    offset_param: str = Field(default="offset", min_length=1)
    limit_param: str = Field(default="limit", min_length=1)
    next_path: str = Field(default="", pattern=rf"{PATH_PATTERN}|^$")
    cursor_path: str = Field(default="", pattern=rf"{PATH_PATTERN}|^$")
    cursor_param: str = Field(default="cursor", min_length=1)
    max_pages: int = Field(default=50, ge=1, le=1000)

    @model_validator(mode="after")
    def _consistent(self) -> JSONOptions:
        if self.paging == "next_link" and not self.next_path:
            raise ValueError("paging 'next_link' needs next_path: the path to the next page's URL")
        if self.paging == "cursor" and not self.cursor_path:
            raise ValueError("paging 'cursor' needs cursor_path: the path to the next cursor")
        domain: Domain = self.domain
        other = [f for d, names in DOMAIN_FIELDS.items() if d != domain for f in names]
        wrong = [name for name in self.fields.paths() if name in other]
        if wrong:
            allowed = (*COMMON_FIELDS, *DOMAIN_FIELDS[domain])
            raise ValueError(
                f"field {wrong[0]!r} is not one of a {domain} record; "
                f"known fields: {', '.join(allowed)}"
            )
        return self
