"""Excel exchange: export, import template, reading rows, all-or-nothing import."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from zoneops.core.errors import DomainError
from zoneops.core.excel import (
    XLSX,
    Column,
    ImportFailed,
    ImportResult,
    RowError,
    export_workbook,
    read_rows,
    run_import,
    template_workbook,
    xlsx_response,
)

COLUMNS = [
    Column("name", "企业名称", required=True),
    Column("uscc", "统一社会信用代码", required=True),
    Column("kind", "类型", choices=("工业", "服务业")),
    Column("capital", "注册资本（万元）"),
]


def _reload(workbook: Workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return load_workbook(buffer).active


def _upload(rows: list[list], name: str = "import.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


# --- export -------------------------------------------------------------------------------------


def test_export_has_title_meta_header_rows_and_notes():
    with time_machine.travel(dt.datetime(2022, 4, 10, 2, 0, tzinfo=dt.UTC), tick=False):
        wb = export_workbook(
            title="签约项目",
            columns=COLUMNS,
            rows=[["南通某公司", "91110108551385082Q", "工业", Decimal("12000.5")]],
            unit="投资促进局",
            author="王五",
            notes="金额单位：万元",
        )
    ws = _reload(wb)

    assert ws.title == "签约项目"
    assert ws["A1"].value == "签约项目"
    assert "投资促进局" in ws["A2"].value and "王五" in ws["A2"].value and "2022-04-10" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["企业名称", "统一社会信用代码", "类型", "注册资本（万元）"]
    assert [c.value for c in ws[4]] == ["南通某公司", "91110108551385082Q", "工业", 12000.5]
    assert "金额单位：万元" in ws["A6"].value
    assert ws.freeze_panes == "A4"


def test_export_writes_aware_datetimes_as_shanghai_wall_clock():
    wb = export_workbook(
        title="t", columns=[Column("at", "时间")], rows=[[dt.datetime(2022, 4, 10, 2, 0, tzinfo=dt.UTC)]]
    )
    assert _reload(wb)["A4"].value == dt.datetime(2022, 4, 10, 10, 0)


def test_export_of_no_rows_still_has_the_header():
    ws = _reload(export_workbook(title="空", columns=COLUMNS, rows=[]))
    assert [c.value for c in ws[3]] == ["企业名称", "统一社会信用代码", "类型", "注册资本（万元）"]
    assert ws.max_row == 3


def test_xlsx_response_is_a_download_with_a_utf8_filename():
    response = xlsx_response(Workbook(), "企业名录.xlsx")
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95.xlsx"
    assert load_workbook(io.BytesIO(response.content)) is not None


# --- template -----------------------------------------------------------------------------------


def test_template_marks_required_columns_and_offers_dropdowns():
    ws = _reload(template_workbook(title="企业导入", columns=COLUMNS, example=["示例公司", "91110108551385082Q"]))

    assert [c.value for c in ws[1]] == ["企业名称*", "统一社会信用代码*", "类型", "注册资本（万元）"]
    assert [c.value for c in ws[2]][:2] == ["示例公司", "91110108551385082Q"]
    validations = ws.data_validations.dataValidation
    assert len(validations) == 1
    assert validations[0].formula1 == '"工业,服务业"'
    assert str(validations[0].sqref) == "C2:C10001"


def test_a_filled_in_template_reads_back():
    wb = template_workbook(title="企业导入", columns=COLUMNS)
    wb.active.append(["南通甲公司", " 91110108551385082Q ", "工业", 100])
    buffer = io.BytesIO()
    wb.save(buffer)
    upload = SimpleUploadedFile("filled.xlsx", buffer.getvalue())

    assert read_rows(upload, COLUMNS) == [
        (2, {"name": "南通甲公司", "uscc": "91110108551385082Q", "kind": "工业", "capital": 100})
    ]


# --- reading ------------------------------------------------------------------------------------


def test_read_rows_matches_headers_by_text_in_any_order_and_skips_blank_rows():
    upload = _upload(
        [
            ["统一社会信用代码", "备注", "企业名称"],
            ["91110108551385082Q", "x", "甲"],
            [None, "", None],
            ["911100001000044477", None, "乙"],
        ]
    )
    assert read_rows(upload, COLUMNS) == [
        (2, {"name": "甲", "uscc": "91110108551385082Q", "kind": None, "capital": None}),
        (4, {"name": "乙", "uscc": "911100001000044477", "kind": None, "capital": None}),
    ]


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("data.csv", b"a,b\n1,2\n"), ".xlsx"),
        (SimpleUploadedFile("broken.xlsx", b"not a zip"), "readable"),
    ],
)
def test_read_rows_refuses_other_files(upload, message):
    with pytest.raises(DomainError, match=message) as caught:
        read_rows(upload, COLUMNS)
    assert caught.value.field == "file"


def test_read_rows_names_missing_required_columns():
    with pytest.raises(DomainError, match="统一社会信用代码") as caught:
        read_rows(_upload([["企业名称"], ["甲"]]), COLUMNS)
    assert caught.value.field == "file"


def test_read_rows_refuses_a_file_without_data():
    with pytest.raises(DomainError):
        read_rows(_upload([["企业名称", "统一社会信用代码"]]), COLUMNS)


def test_read_rows_refuses_an_oversized_file():
    upload = _upload([["企业名称", "统一社会信用代码"], ["甲", "x"]])
    upload.size = 6 * 1024 * 1024
    with pytest.raises(DomainError, match="5 MB"):
        read_rows(upload, COLUMNS)


# --- all-or-nothing import ----------------------------------------------------------------------


def _validate(number, record):
    from zoneops.core.validators import validate_uscc

    errors = []
    if not record.get("name"):
        errors.append(RowError(number, "企业名称", "必填"))
    try:
        validate_uscc(record.get("uscc") or "")
    except Exception as exc:  # noqa: BLE001 - the test turns any validation failure into a row error
        errors.append(RowError(number, "统一社会信用代码", str(exc.messages[0])))
    return record, errors


def test_run_import_commits_everything_when_all_rows_are_good():
    committed = []

    def commit(values):
        committed.extend(values)
        return ImportResult(created=len(values))

    rows = [(2, {"name": "甲", "uscc": "91110108551385082Q"}), (3, {"name": "乙", "uscc": "911100001000044477"})]
    result = run_import(rows, validate=_validate, commit=commit)

    assert result.created == 2
    assert [v["name"] for v in committed] == ["甲", "乙"]


def test_run_import_with_any_bad_row_commits_nothing_and_lists_every_error():
    commit_calls = []

    rows = [
        (2, {"name": "甲", "uscc": "91110108551385082Q"}),
        (3, {"name": "", "uscc": "91110108551385082A"}),
        (5, {"name": "丙", "uscc": "123"}),
    ]
    with pytest.raises(ImportFailed) as caught:
        run_import(rows, validate=_validate, commit=lambda values: commit_calls.append(values))

    assert commit_calls == []
    failure = caught.value
    assert [(e.row, e.column) for e in failure.row_errors] == [
        (3, "企业名称"),
        (3, "统一社会信用代码"),
        (5, "统一社会信用代码"),
    ]
    assert failure.field == "file"
    assert len(failure.errors["file"]) == 3
    assert "2" in failure.message  # two rows have errors
    assert "3" in failure.errors["file"][0] and "企业名称" in failure.errors["file"][0]
    assert isinstance(failure, DomainError)


def test_export_keeps_formula_like_text_as_text():
    from zoneops.core.excel import Column, export_workbook

    wb = export_workbook(title="t", columns=[Column("a", "A")], rows=[['=HYPERLINK("http://x","y")'], ["-1+2"]])
    ws = wb.active
    assert ws.cell(row=4, column=1).data_type == "s"
    assert ws.cell(row=4, column=1).value == '=HYPERLINK("http://x","y")'
    assert ws.cell(row=5, column=1).data_type == "s"
