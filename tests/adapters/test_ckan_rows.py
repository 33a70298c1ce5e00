"""DataStore rows as indicator points, by the columns the options name; a row left out says
which column is wrong."""

from __future__ import annotations

from typing import Any

import pytest

from kotahub.adapters.ckan_options import CKANOptions
from kotahub.adapters.ckan_rows import RowReader
from kotahub.upstream.skips import UnusableRecord

FIELDS = [{"id": "_id", "type": "int"}, {"id": "tahun", "type": "int4"}]
FIELDS += [{"id": "nilai", "type": "text"}, {"id": "kode", "type": "text"}]


def _refused(reader: RowReader, row: Any) -> tuple[str, str]:
    with pytest.raises(UnusableRecord) as raised:
        reader.point(row, 1)
    return raised.value.skip.reason, raised.value.skip.detail


def test_a_table_the_profile_does_not_fit_names_its_own_columns() -> None:
    reader = RowReader(CKANOptions(), "", FIELDS)
    reason, detail = _refused(reader, {"_id": 7, "tahun": 2023, "nilai": "12,5", "kode": "A"})
    assert reason == "no id"
    assert detail == (
        "row 7 has no program: the table has no column 'program' "
        "(its columns: _id, tahun, nilai, kode)"
    )


def test_mapped_columns_give_a_point_and_say_what_a_row_lacks() -> None:
    options = CKANOptions.model_validate(
        {"columns": {"program": "", "indicator": "kode", "period": "tahun", "value": "nilai"}}
    )
    reader = RowReader(options, "umkm-binaan", FIELDS)
    point = reader.point({"_id": 1, "tahun": 2023.0, "nilai": "12,5", "kode": "A"}, 1)
    assert (point.program, point.code, point.period, point.value) == (
        "umkm-binaan",
        "A",
        "2023",
        12.5,
    )
    assert _refused(reader, {"tahun": 2023, "nilai": "1", "kode": " "}) == (
        "no id",
        "row 1 has no indicator code: column 'kode' is empty",
    )
    assert _refused(reader, {"tahun": 2023, "nilai": "-", "kode": "A"}) == (
        "no value",
        "row 1 (A 2023): column 'nilai' is empty",
    )
    assert _refused(reader, {"tahun": 2023, "nilai": "1.234", "kode": "A"})[0] == "bad value"
    assert _refused(reader, ["2023", "1"]) == ("not a record", "row 1 is not an object")
