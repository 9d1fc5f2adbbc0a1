"""Tables out of a file: every table of a .docx, every sheet of an .xlsx, the one table of a .csv.

Merged cells are expanded (each cell of a merged range holds the range's text), so a problem
spanning several measure rows is repeated on each. The work is bounded by the input's size
(cases.limits): the file, its unpacked contents and the rows read.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

from cases import limits


class TableFileError(Exception):
    """The file cannot be read as tables; the message (active language) says why."""


@dataclass(slots=True)
class Table:
    name: str  # "表1" / the sheet name, for the report
    rows: list[list[str]]
    first_row: int = 1  # the file's own row number of rows[0] (a sheet row), 1 for Word tables


def read_tables(data: bytes, file_name: str) -> list[Table]:
    if not data:
        raise TableFileError(_("The file is empty."))
    refusal = limits.file_too_large(len(data))
    if refusal:
        raise TableFileError(refusal)
    suffix = file_name.lower().rsplit(".", 1)[-1] if "." in file_name else ""
    if suffix == "csv":
        return [_csv_table(data)]
    if suffix not in ("docx", "xlsx"):
        raise TableFileError(_("“%(name)s” is not a table file: upload a .docx, .xlsx or .csv file.")
                             % {"name": file_name})
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:4] == b"\xd0\xcf\x11\xe0":
            raise TableFileError(_("This is an old .doc/.xls file: save it as .docx or .xlsx in Word, Excel or WPS "
                                   "and upload it again."))
        raise TableFileError(_("The file is damaged or not a .%(suffix)s file.") % {"suffix": suffix})
    refusal = limits.unpacked_too_large(data)
    if refusal:
        raise TableFileError(refusal)
    try:
        return _docx_tables(data) if suffix == "docx" else _xlsx_tables(data)
    except TableFileError:
        raise
    except Exception as exc:  # python-docx and openpyxl raise many kinds for damaged files
        raise TableFileError(_("The file is damaged or not a .%(suffix)s file.") % {"suffix": suffix}) from exc


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    return str(value).replace("\r\n", "\n").replace("\u00a0", " ").strip()


def _csv_table(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))
    rows = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if refusal := limits.too_many_sheet_rows(number):
            raise TableFileError(refusal)
        rows.append([_text(c) for c in row])
    return Table(name="CSV", rows=rows)


def _docx_tables(data: bytes) -> list[Table]:
    from docx import Document

    document = Document(io.BytesIO(data))
    tables = []
    rows_read = 0
    for index, table in enumerate(document.tables, start=1):
        rows = []
        for row in table.rows:
            rows_read += 1
            if refusal := limits.too_many_sheet_rows(rows_read):
                raise TableFileError(refusal)
            # python-docx repeats a merged cell on every grid position it spans, so horizontal
            # and vertical merges are already expanded; consecutive repeats in a row are kept
            # (the column mapping decides which of them is read).
            rows.append([_text(cell.text) for cell in row.cells])
        if rows:
            tables.append(Table(name=_("Table %(n)s") % {"n": index}, rows=rows))
    return tables


def _xlsx_tables(data: bytes) -> list[Table]:
    from openpyxl import load_workbook

    # Not read-only: merged ranges are only known to a full workbook; the unpacked-size limit
    # above keeps that affordable.
    workbook = load_workbook(io.BytesIO(data), data_only=True)
    tables = []
    for sheet in workbook.worksheets:
        if sheet.sheet_state != "visible":
            continue
        if refusal := limits.too_many_sheet_rows(sheet.max_row):
            raise TableFileError(refusal)
        merged = {}
        for merged_range in sheet.merged_cells.ranges:
            value = sheet.cell(merged_range.min_row, merged_range.min_col).value
            for row in range(merged_range.min_row, merged_range.max_row + 1):
                for col in range(merged_range.min_col, merged_range.max_col + 1):
                    merged[(row, col)] = value
        rows = []
        blank_run = 0
        for r, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = [_text(merged.get((r, c), v)) for c, v in enumerate(values, start=1)]
            blank_run = blank_run + 1 if not any(row) else 0
            if blank_run >= limits.blank_rows_end():
                break
            rows.append(row)
        if any(any(row) for row in rows):
            tables.append(Table(name=sheet.title, rows=rows))
    return tables
