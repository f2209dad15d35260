"""Excel exchange: formatted exports and all-or-nothing template imports with row-level errors."""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from zoneops.core import clock
from zoneops.core.errors import DomainError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 10000


@dataclass(frozen=True)
class Column:
    """One column of an export or an import template."""

    key: str
    header: str
    width: int = 16
    required: bool = False
    choices: tuple[str, ...] = ()  # a dropdown in the template
    help: str = ""


def xlsx_response(workbook: Workbook, filename: str) -> HttpResponse:
    """Send a workbook as a download."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def export_workbook(
    *,
    title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    unit: str = "",
    author: str = "",
    notes: str = "",
) -> Workbook:
    """A formatted report: title row, 填报单位 / 填报人 / 日期 line, header, rows, notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    width = max(len(columns), 1)
    ws.cell(row=1, column=1, value=title).font = Font(size=14, bold=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    meta = "    ".join(
        part
        for part in (
            _("Reporting unit: %(unit)s") % {"unit": unit} if unit else "",
            _("Prepared by: %(author)s") % {"author": author} if author else "",
            _("Date: %(date)s") % {"date": clock.today().isoformat()},
        )
        if part
    )
    ws.cell(row=2, column=1, value=meta)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=3, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        ws.column_dimensions[get_column_letter(index)].width = column.width
    row_number = 3
    for row_number, row in enumerate(rows, start=4):
        for index, value in enumerate(row, start=1):
            _write(ws, row_number, index, value)
    if notes:
        ws.cell(row=row_number + 2, column=1, value=_("Notes: %(notes)s") % {"notes": notes})
    ws.freeze_panes = "A4"
    return wb


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell_value(value: Any) -> Any:
    """Excel has no time zones: write aware datetimes as Asia/Shanghai wall-clock time."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _write(ws, row: int, column: int, value: Any):
    """Write one data cell; text that looks like a formula stays text (formula injection)."""
    cell = ws.cell(row=row, column=column, value=_cell_value(value))
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        # A typed-in login name such as "=HYPERLINK(...)" must never become a live formula.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def template_workbook(*, title: str, columns: Sequence[Column], example: Sequence[Any] | None = None) -> Workbook:
    """An import template: header row (required columns marked *), dropdowns, an optional example row."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header + ("*" if column.required else ""))
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        ws.column_dimensions[get_column_letter(index)].width = column.width
        if column.choices:
            letter = get_column_letter(index)
            dv = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=not column.required
            )
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{MAX_IMPORT_ROWS + 1}")
    if example:
        for index, value in enumerate(example, start=1):
            _write(ws, 2, index, value)
    return wb


@dataclass
class RowError:
    """One problem in one row of an import ("第3行 统一社会信用代码 校验位错误")."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Row %(row)s %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class ImportResult:
    """What an import did, or would have done."""

    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)


class ImportFailed(DomainError):
    """An import with bad rows: nothing was written; `row_errors` lists every bad row."""

    def __init__(self, row_errors: list[RowError]):
        self.row_errors = row_errors
        message = _("%(count)s rows have errors; nothing was imported.") % {"count": len({e.row for e in row_errors})}
        super().__init__(message, field="file", errors={"file": [str(e) for e in row_errors]})


def read_rows(upload, columns: Sequence[Column]) -> list[tuple[int, dict[str, Any]]]:
    """Read an uploaded .xlsx into (Excel row number, {column key: value}) pairs, matching headers by text."""
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith((".xlsx", ".xlsm")):
        raise DomainError(_("Only .xlsx files can be imported."), field="file")
    if getattr(upload, "size", 0) > MAX_IMPORT_BYTES:
        raise DomainError(_("The file is larger than 5 MB."), field="file")
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception as exc:
        raise DomainError(_("The file is not a readable Excel workbook."), field="file") from exc
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration:
        raise DomainError(_("The file is empty."), field="file") from None
    by_header = {}
    for index, text in enumerate(header):
        if text is None:
            continue
        by_header[str(text).strip().rstrip("*").strip()] = index
    missing = [c.header for c in columns if c.required and c.header not in by_header]
    if missing:
        raise DomainError(
            _("Missing columns: %(columns)s. Download the template.") % {"columns": "、".join(missing)}, field="file"
        )
    result = []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        record = {}
        for column in columns:
            index = by_header.get(column.header)
            value = values[index] if index is not None and index < len(values) else None
            if isinstance(value, str):
                value = value.strip()
            record[column.key] = value
        result.append((number, record))
        if len(result) > MAX_IMPORT_ROWS:
            raise DomainError(_("At most %(n)s rows per import.") % {"n": MAX_IMPORT_ROWS}, field="file")
    if not result:
        raise DomainError(_("The file has no data rows."), field="file")
    return result


def run_import(
    rows: list[tuple[int, dict[str, Any]]],
    *,
    validate: Callable[[int, dict[str, Any]], tuple[Any, list[RowError]]],
    commit: Callable[[list[Any]], ImportResult],
) -> ImportResult:
    """Validate every row first; commit all of them only if none has an error (the caller holds the transaction)."""
    cleaned, errors = [], []
    for number, record in rows:
        value, row_errors = validate(number, record)
        errors.extend(row_errors)
        cleaned.append(value)
    if errors:
        raise ImportFailed(errors)
    return commit(cleaned)
