"""The options of the CKAN adapter: paging, which datasets are programs of which dimension,
and what the DataStore columns are called."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from kotahub.records import DimensionCode


class DimensionFrom(BaseModel, extra="forbid", frozen=True):
    """A portal's own groups, tags and organizations (by name or title, in any case) mapped
    to the smart-city dimension their datasets serve: ``{"ekonomi" = "economy"}``."""

    groups: dict[str, DimensionCode] = Field(default_factory=dict)
    tags: dict[str, DimensionCode] = Field(default_factory=dict)
    organization: dict[str, DimensionCode] = Field(default_factory=dict)

    @field_validator("groups", "tags", "organization")
    @classmethod
    def _folded(cls, value: dict[str, DimensionCode]) -> dict[str, DimensionCode]:
        return {key.strip().casefold(): code for key, code in value.items()}

    def given(self) -> bool:
        return bool(self.groups or self.tags or self.organization)


class DataStoreColumns(BaseModel, extra="forbid", frozen=True):
    """The DataStore column holding each part of an indicator point. ``program`` names the
    program's dataset (by its name); "" when each dataset's own table holds only its rows."""

    program: str = "program"
    indicator: str = Field(default="indicator", min_length=1)
    period: str = Field(default="period", min_length=1)
    value: str = Field(default="value", min_length=1)
    name: str = "name_id"
    name_en: str = "name_en"
    unit: str = "unit"
    target: str = "target"
    direction: str = "direction"
    iso_theme: str = "iso37120_theme"
    frequency: str = "frequency"
    calculation_period: str = "calculation_period"
    source: str = "source"
    sample: str = "sample"

    def sort(self) -> str:
        """A datastore_search ``sort`` by program, indicator and period (stable paging)."""
        keys = [self.program, self.indicator, self.period]
        return ", ".join(f"{_identifier(key)} asc" for key in keys if key)


class CKANOptions(BaseModel, extra="forbid", frozen=True):
    """What a ``ckan`` source's ``options`` may set; see the CKAN profile in the docs."""

    rows: int = Field(default=100, ge=1, le=1000)  # per package_search page
    limit: int = Field(default=1000, ge=1, le=32000)  # per datastore_search page
    fq: str = ""  # a Solr filter narrowing package_search to the programs
    dimension_from: DimensionFrom = Field(default_factory=DimensionFrom)
    indicator_resource: str = ""  # the table of datasets that name none of their own
    columns: DataStoreColumns = Field(default_factory=DataStoreColumns)
    decimal: Literal[".", ","] | None = None  # the separator of numbers typed as text


def _identifier(column: str) -> str:
    """A column name as a DataStore sort names it: quoted unless a plain word."""
    plain = column.replace("_", "").isalnum() and column.isascii()
    return column if plain else '"' + column.replace('"', '""') + '"'
