"""CKAN packages as programs: the profile's dimension, a portal's own labels mapped to one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kotahub.adapters.ckan_options import CKANOptions
from kotahub.adapters.ckan_records import owned_resource, program_from
from kotahub.records import Provenance
from kotahub.upstream.skips import UnusableRecord

PROVENANCE = Provenance("satudata", datetime(2025, 1, 1, tzinfo=UTC))
MAPPED = CKANOptions.model_validate(
    {
        "dimension_from": {
            "groups": {"Ekonomi": "economy"},
            "tags": {"sampah": "environment"},
            "organization": {"Dinas Kesehatan": "living"},
        }
    }
)


def _package(**fields: Any) -> dict[str, Any]:
    return {"id": "p-1", "name": "umkm-binaan", "title": "UMKM Binaan", **fields}


@pytest.mark.parametrize(
    ("fields", "dimension"),
    [
        ({"extras": [{"key": "dimension", "value": "Smart Economy"}]}, "economy"),
        ({"dimension": "society"}, "society"),  # ckanext-scheming: at the top, not in extras
        ({"groups": [{"name": "ekonomi", "title": "Ekonomi"}]}, "economy"),
        ({"tags": ["sampah"]}, "environment"),  # bare tag names, as older APIs list them
        ({"organization": {"name": "dinkes", "title": "Dinas Kesehatan"}}, "living"),
        (
            {
                "extras": [{"key": "dimension", "value": "governance"}],
                "groups": [{"name": "ekonomi"}],
            },
            "governance",
        ),
        (
            {
                "tags": [{"name": "sampah"}],
                "groups": [{"name": "lain"}, {"name": "ekonomi"}],
            },
            "economy",
        ),
    ],
)
def test_the_profile_names_the_dimension_else_groups_tags_organization(
    fields: dict[str, Any], dimension: str
) -> None:
    program = program_from(_package(**fields), PROVENANCE, MAPPED)
    assert program is not None and program.dimension == dimension


def test_the_index_dataset_is_no_program_and_no_skip() -> None:
    index = _package(extras=[{"key": "dimension", "value": "all"}])
    assert program_from(index, PROVENANCE, CKANOptions()) is None


@pytest.mark.parametrize(
    ("package", "reason", "said"),
    [
        ("a string", "not a record", "not an object"),
        ({"title": "No Name"}, "no id", "no 'name'"),
        (_package(groups=[{"name": "ekonomi"}]), "no dimension", "groups: ekonomi; tags: none"),
        (
            _package(extras=[{"key": "dimension", "value": "transport"}]),
            "bad value",
            "dimension 'transport' is none of governance",
        ),
    ],
)
def test_a_package_that_is_no_program_says_why(package: Any, reason: str, said: str) -> None:
    with pytest.raises(UnusableRecord) as raised:
        program_from(package, PROVENANCE, CKANOptions())
    assert raised.value.skip.reason == reason and said in raised.value.skip.detail


def test_a_table_of_one_program_carries_the_program_with_its_id() -> None:
    options = CKANOptions.model_validate({**MAPPED.model_dump(), "columns": {"program": ""}})
    package = _package(
        groups=[{"name": "ekonomi"}],
        resources=[
            {"id": "r-pdf", "datastore_active": False},
            {"id": "r-table", "datastore_active": True},
        ],
    )
    program = program_from(package, PROVENANCE, options)
    assert program is not None and program.indicator_resource is not None
    assert owned_resource(program.indicator_resource) == ("r-table", "umkm-binaan")
    assert owned_resource("b2c3e1f0") == ("b2c3e1f0", "")
